import { createHash } from 'node:crypto';
import type { Heatmap } from '../store/repos/predictions';
import type { Rle } from '../masks/rle';

export interface StoredRegion {
  classIdx: number;
  instance: number;
  rle: Rle;
  area: number;
  score: number | null;
}

export interface ItemResult {
  regions: StoredRegion[];
  heatmaps: Heatmap[];
}

/** The run row holding a cached heatmap's bytes (heatmaps table), and their sha256 as they were cached. */
export interface StoredHeatmapRef {
  runId: number;
  sampleId: number;
  sha256: string;
}

type HeaderHeatmap = Omit<Heatmap, 'data'> & { bytes: number; stored?: StoredHeatmapRef };

/** Reads a run's heatmap bytes (undefined when the row is gone). */
export type StoredHeatmapReader = (runId: number, sampleId: number, name: string) => Uint8Array | undefined;

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * One item's results as one blob, the inference cache's value: a u32 header length, a JSON header,
 * then the heatmap bytes. With `storedIn`, the run and sample whose heatmap rows the item's results
 * are committed to, the bytes stay there instead (a probability map or a CAM set is 1.5-2.5 MB an
 * image: written twice, it was ~20% of a PP-OCR run's CPU) and the header records where they are
 * and their sha256.
 */
export function encodeItemResult(r: ItemResult, storedIn?: { runId: number; sampleId: number }): Buffer {
  const heatmaps: HeaderHeatmap[] = r.heatmaps.map((h) => ({
    name: h.name,
    shape: h.shape,
    dtype: h.dtype,
    meta: h.meta,
    bytes: h.data.byteLength,
    ...(storedIn === undefined ? {} : { stored: { ...storedIn, sha256: sha256(h.data) } }),
  }));
  const head = Buffer.from(JSON.stringify({ regions: r.regions, heatmaps }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  const inline = storedIn === undefined ? r.heatmaps.map((h) => Buffer.from(h.data.buffer, h.data.byteOffset, h.data.byteLength)) : [];
  return Buffer.concat([len, head, ...inline]);
}

/**
 * The item a cache value holds. A heatmap kept in a run's rows is read back through `readStored`;
 * null when one of those rows is gone or no longer holds the bytes that were cached (the run was
 * deleted, or the sample recomputed): the item is then computed again, never served otherwise.
 */
export function decodeItemResult(buf: Buffer, readStored: StoredHeatmapReader): ItemResult | null {
  const n = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + n).toString('utf8')) as { regions: StoredRegion[]; heatmaps: HeaderHeatmap[] };
  let at = 4 + n;
  const heatmaps: Heatmap[] = [];
  for (const h of header.heatmaps) {
    let data: Uint8Array;
    if (h.stored === undefined) {
      data = new Uint8Array(buf.subarray(at, at + h.bytes));
      at += h.bytes;
    } else {
      const kept = readStored(h.stored.runId, h.stored.sampleId, h.name);
      if (kept === undefined || kept.byteLength !== h.bytes || sha256(kept) !== h.stored.sha256) return null;
      data = kept;
    }
    heatmaps.push({ name: h.name, shape: h.shape, dtype: h.dtype, meta: h.meta, data });
  }
  return { regions: header.regions, heatmaps };
}
