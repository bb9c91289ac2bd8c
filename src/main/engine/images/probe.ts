import sharp from 'sharp';
import { createHash } from 'node:crypto';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff', '.gif']);

export interface ProbedImage {
  width: number;
  height: number;
  sha256: string;
  bytes: number;
  format: string;
}

export type ProbeOutcome = { ok: true; image: ProbedImage } | { ok: false; reason: string };

/**
 * Hashes and fully decodes one image file. A full decode (not just the header) is what catches a
 * truncated JPEG, which would otherwise import fine and fail later in the viewer or mid-run.
 */
export async function probeImage(bytes: Buffer): Promise<ProbeOutcome> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    const decoder = sharp(bytes, { failOn: 'truncated', limitInputPixels: 1 << 28 });
    const meta = await decoder.metadata();
    if (meta.width === undefined || meta.height === undefined) return { ok: false, reason: 'unreadable image: no dimensions' };
    await decoder.raw().toBuffer();
    return { ok: true, image: { width: meta.width, height: meta.height, sha256, bytes: bytes.length, format: meta.format ?? 'unknown' } };
  } catch (err) {
    const text = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
    return { ok: false, reason: `unreadable image (${text.trim() || 'decoder error'})` };
  }
}

export function contentTypeFor(path: string): string {
  const ext = path.slice(path.lastIndexOf('.')).toLowerCase();
  switch (ext) {
    case '.jpg':
    case '.jpeg':
      return 'image/jpeg';
    case '.png':
      return 'image/png';
    case '.webp':
      return 'image/webp';
    case '.bmp':
      return 'image/bmp';
    case '.gif':
      return 'image/gif';
    case '.tif':
    case '.tiff':
      return 'image/tiff';
    default:
      return 'application/octet-stream';
  }
}
