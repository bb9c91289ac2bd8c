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

/** One item's results as one blob (a JSON header + the heatmap bytes): the inference cache's value. */
export function encodeItemResult(r: ItemResult): Buffer {
  const header = JSON.stringify({
    regions: r.regions,
    heatmaps: r.heatmaps.map((h) => ({ name: h.name, shape: h.shape, dtype: h.dtype, meta: h.meta, bytes: h.data.byteLength })),
  });
  const head = Buffer.from(header, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  return Buffer.concat([len, head, ...r.heatmaps.map((h) => Buffer.from(h.data.buffer, h.data.byteOffset, h.data.byteLength))]);
}

export function decodeItemResult(buf: Buffer): ItemResult {
  const n = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + n).toString('utf8')) as {
    regions: StoredRegion[];
    heatmaps: Array<Omit<Heatmap, 'data'> & { bytes: number }>;
  };
  let at = 4 + n;
  const heatmaps = header.heatmaps.map((h) => {
    const data = new Uint8Array(buf.subarray(at, at + h.bytes));
    at += h.bytes;
    return { name: h.name, shape: h.shape, dtype: h.dtype, meta: h.meta, data };
  });
  return { regions: header.regions, heatmaps };
}
