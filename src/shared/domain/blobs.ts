import { z } from 'zod';
import { Id } from './ids';

/**
 * Bulk pixels never travel as JSON: the contract returns a BlobRef and the client turns it into a URL
 * (`/blob/...` in web mode, `tessera://blob/...` in Electron). Both are served by the engine's blob reader.
 */
export const BlobRef = z.discriminatedUnion('kind', [
  /** The image file as imported (transcoded to PNG when a browser cannot show its format). */
  z.object({ kind: z.literal('image'), imageId: Id }),
  /**
   * Raw row-major uint8 ground-truth label map (width x height bytes); 255 = ignore. The image's
   * semantic sample, or the sample `sampleId` (a referring query's mask) when given.
   */
  z.object({ kind: z.literal('labelmap'), imageId: Id, source: z.literal('gt'), sampleId: Id.optional() }),
  /**
   * Raw row-major uint8 label map of a run's predictions for an image: its semantic sample, or the
   * sample `sampleId` (a referring query's mask) when given.
   */
  z.object({ kind: z.literal('prediction'), runId: Id, imageId: Id, sampleId: Id.optional() }),
  /** Raw little-endian float32 values of a stored heatmap (shape comes with the API response). */
  z.object({ kind: z.literal('heatmap'), runId: Id, sampleId: Id, name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/) }),
  /** A small WebP preview of the image (longest side 256), made once and cached under the workspace cache. */
  z.object({ kind: z.literal('thumb'), imageId: Id }),
]);
export type BlobRef = z.infer<typeof BlobRef>;

/** The path part of a blob URL, e.g. `image/12`, `labelmap/gt/12`, `prediction/3/12`, `heatmap/3/40/cam`, `thumb/12`. */
export function blobPath(ref: BlobRef): string {
  switch (ref.kind) {
    case 'image':
      return `image/${ref.imageId}`;
    case 'labelmap':
      return ref.sampleId === undefined ? `labelmap/${ref.source}/${ref.imageId}` : `labelmap/${ref.source}/${ref.imageId}/${ref.sampleId}`;
    case 'prediction':
      return ref.sampleId === undefined
        ? `prediction/${ref.runId}/${ref.imageId}`
        : `prediction/${ref.runId}/${ref.imageId}/${ref.sampleId}`;
    case 'heatmap':
      return `heatmap/${ref.runId}/${ref.sampleId}/${ref.name}`;
    case 'thumb':
      return `thumb/${ref.imageId}`;
  }
}

function id(s: string | undefined): number | null {
  return s !== undefined && /^[1-9]\d{0,15}$/.test(s) ? Number(s) : null;
}

/** Inverse of blobPath; null for anything that is not a well-formed blob path. */
export function parseBlobPath(path: string): BlobRef | null {
  const parts = path.split('/').filter((p) => p.length > 0);
  const [kind, a, b, c] = parts;
  let candidate: unknown = null;
  if (kind === 'image' && parts.length === 2) candidate = { kind, imageId: id(a) };
  else if (kind === 'labelmap' && parts.length === 3 && a === 'gt') candidate = { kind, imageId: id(b), source: 'gt' };
  else if (kind === 'labelmap' && parts.length === 4 && a === 'gt') candidate = { kind, imageId: id(b), source: 'gt', sampleId: id(c) };
  else if (kind === 'prediction' && parts.length === 3) candidate = { kind, runId: id(a), imageId: id(b) };
  else if (kind === 'prediction' && parts.length === 4) candidate = { kind, runId: id(a), imageId: id(b), sampleId: id(c) };
  else if (kind === 'heatmap' && parts.length === 4) candidate = { kind, runId: id(a), sampleId: id(b), name: c };
  else if (kind === 'thumb' && parts.length === 2) candidate = { kind, imageId: id(a) };
  const parsed = BlobRef.safeParse(candidate);
  return parsed.success ? parsed.data : null;
}
