import { z } from 'zod';
import { Id } from './ids';

/**
 * Bulk pixels never travel as JSON: the contract returns a BlobRef and the client turns it into a URL
 * (`/blob/...` in web mode, `tessera://blob/...` in Electron). Both are served by the engine's blob reader.
 */
export const BlobRef = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('image'), imageId: Id }),
  /** Raw row-major uint8 label map (width x height bytes); 255 = ignore. */
  z.object({ kind: z.literal('labelmap'), imageId: Id, source: z.literal('gt') }),
]);
export type BlobRef = z.infer<typeof BlobRef>;

/** The path part of a blob URL, e.g. `image/12` or `labelmap/gt/12`. */
export function blobPath(ref: BlobRef): string {
  switch (ref.kind) {
    case 'image':
      return `image/${ref.imageId}`;
    case 'labelmap':
      return `labelmap/${ref.source}/${ref.imageId}`;
  }
}

/** Inverse of blobPath; null for anything that is not a well-formed blob path. */
export function parseBlobPath(path: string): BlobRef | null {
  const parts = path.split('/').filter((p) => p.length > 0);
  const id = (s: string | undefined): number | null => (s !== undefined && /^[1-9]\d{0,15}$/.test(s) ? Number(s) : null);
  if (parts.length === 2 && parts[0] === 'image') {
    const imageId = id(parts[1]);
    return imageId === null ? null : { kind: 'image', imageId };
  }
  if (parts.length === 3 && parts[0] === 'labelmap' && parts[1] === 'gt') {
    const imageId = id(parts[2]);
    return imageId === null ? null : { kind: 'labelmap', imageId, source: 'gt' };
  }
  return null;
}
