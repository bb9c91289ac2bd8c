import sharp from 'sharp';
import { createHash } from 'node:crypto';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff', '.gif']);

export interface ProbedImage {
  width: number;
  height: number;
  sha256: string;
  bytes: number;
  format: string;
  /** EXIF orientation tag (1..8; 1 when absent). width/height above are the stored (raw) grid's. */
  orientation: number;
}

export type ProbeOutcome = { ok: true; image: ProbedImage } | { ok: false; reason: string };

const PNG_IEND = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/**
 * Whether a JPEG or PNG file is complete, from its last bytes: a JPEG ends with the EOI marker
 * (FF D9 cannot occur inside entropy-coded data, where FF is always stuffed), a PNG with its IEND
 * chunk. Cutting a file anywhere removes them. null for other formats.
 */
function endsComplete(bytes: Buffer, format: string | undefined): boolean | null {
  const tail = bytes.subarray(Math.max(0, bytes.length - 64));
  if (format === 'jpeg') {
    for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
    return false;
  }
  if (format === 'png') return tail.includes(PNG_IEND);
  return null;
}

/**
 * Hashes one image file and makes sure it can be read whole. JPEG and PNG (nearly every dataset)
 * are checked from their header and their end markers, which is what catches a truncated file
 * without decoding it (a full decode made imports of 5,000 images several times slower); other
 * formats are fully decoded.
 */
export async function probeImage(bytes: Buffer): Promise<ProbeOutcome> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    const decoder = sharp(bytes, { failOn: 'truncated', limitInputPixels: 1 << 28 });
    const meta = await decoder.metadata();
    if (meta.width === undefined || meta.height === undefined) return { ok: false, reason: 'unreadable image: no dimensions' };
    // No end marker (a cut file, or a camera trailer after EOI): let a full decode decide.
    if (endsComplete(bytes, meta.format) !== true) await decoder.raw().toBuffer();
    const orientation = meta.orientation !== undefined && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : 1;
    return {
      ok: true,
      image: { width: meta.width, height: meta.height, sha256, bytes: bytes.length, format: meta.format ?? 'unknown', orientation },
    };
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
