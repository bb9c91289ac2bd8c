/**
 * Row-major masks <-> COCO column-major runs without walking the image down its columns.
 *
 * COCO counts are run lengths in column-major order, but our masks are row-major: a per-pixel
 * walk down each column touches a new cache line for every pixel. Both directions here work on
 * the differences between one row and the row above instead:
 *
 * - encode compares the mask with itself shifted by one row, 16 bytes at a time (WebAssembly SIMD,
 *   wasm/rowFlips.wat; the JavaScript below, four int32 compares a step, is its fallback and
 *   reference), so rows that repeat the row above (most of a label-map-like mask) cost one step per
 *   16 pixels. Each pixel whose foreground differs from the pixel above is a toggle inside its
 *   column; the toggles are bucketed by column (counting sort) and the runs come out as the
 *   distances between consecutive toggles in column-major order, plus a toggle at the top of a
 *   column whose first pixel differs from the bottom of the column before.
 * - decode turns the runs back into toggles, buckets them by row, and keeps the current row as a
 *   bitset of span edges; each row is written as TypedArray.fill over its foreground spans.
 *
 * A mask with very many toggles (noise) falls back to the plain column walk, which costs the same
 * per pixel whatever the content. Results equal pycocotools maskApi.c rleEncode/rleDecode.
 */

import { rowFlipsWasm } from './wasm/kernels';

/** Above this many toggles per pixel the plain column walk is cheaper than bucketing toggles. */
const MAX_TOGGLE_FRACTION = 0.2;
const MAX_KEPT = 1 << 22;

const pool: Uint32Array[] = [];

/** Reused Uint32Array slot `slot` of at least n entries (contents unspecified). */
function u32(slot: number, n: number): Uint32Array {
  if (n > MAX_KEPT) return new Uint32Array(n);
  let a = pool[slot];
  if (a === undefined || a.length < n) {
    a = new Uint32Array(Math.min(MAX_KEPT, Math.max(n, 2 * (a?.length ?? 0), 64)));
    pool[slot] = a;
  }
  return a;
}

const FLIPS = 0;
const XS = 1;
const SORTED = 2;
const COUNTS = 3;
const RUNS = 4;
const BITS = 5;
const SPANS = 6;

/**
 * Where a row-major image changes down its columns: for each column x, the rows y >= 1 whose pixel
 * differs from the pixel above, in increasing order, at rows[ends[x - 1] .. ends[x]) (ends[-1] = 0).
 * `exact` compares bytes; otherwise only foreground (nonzero) against background counts. Null when
 * more than MAX_TOGGLE_FRACTION of the pixels change (noise): a plain column walk is cheaper then.
 * The arrays are reused scratch, valid until the next call.
 */
export function columnToggles(
  image: Uint8Array,
  height: number,
  width: number,
  exact: boolean,
): { count: number; ends: Uint32Array; rows: Uint32Array } | null {
  const area = height * width;
  const limit = Math.floor(area * MAX_TOGGLE_FRACTION) + 4;
  // The WebAssembly kernel finds the same flips, 16 pixels a step (wasm/kernels.ts).
  const fast = rowFlipsWasm(image, width, area, exact, limit);
  if (fast !== null) return fast === -1 ? null : bucketByColumn(fast, fast.length, width);
  const flips = u32(FLIPS, limit + 32);
  // Separate functions for each kind of compare and for the last bytes keep every loop's type
  // feedback its own: a loop reached only after the hot one was compiled (on-stack, mid-image)
  // would otherwise bail out of that code on every image.
  const t = exact ? rowFlipsExact(image, width, area, flips, limit) : rowFlipsNonzero(image, width, area, flips, limit);
  return t < 0 ? null : bucketByColumn(flips, t, width);
}

/**
 * Pixels (row-major indices, increasing) that differ from the pixel above, into `flips`; -1 once
 * more than `limit`. The image is compared with itself one row up, 16 bytes a step as four
 * unaligned little-endian int32 pairs (a DataView reads them at any width and offset): rows that
 * repeat the row above cost one step per 16 pixels. Only the steps that differ are looked at byte by byte.
 */
function rowFlipsExact(image: Uint8Array, width: number, area: number, flips: Uint32Array, limit: number): number {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  let t = 0;
  let i = width;
  for (const end = area - 15; i < end; i += 16) {
    if (blockDiffers(view, i, i - width)) {
      for (let q = i; q < i + 16; q++) if (image[q] !== image[q - width]) flips[t++] = q;
      if (t > limit) return -1;
    }
  }
  return tailFlips(image, width, i, area, flips, t, true);
}

/** rowFlipsExact where only foreground (nonzero) against background counts. */
function rowFlipsNonzero(image: Uint8Array, width: number, area: number, flips: Uint32Array, limit: number): number {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  let t = 0;
  let i = width;
  for (const end = area - 15; i < end; i += 16) {
    if (blockDiffers(view, i, i - width)) {
      for (let q = i; q < i + 16; q++) if ((image[q] === 0) !== (image[q - width] === 0)) flips[t++] = q;
      if (t > limit) return -1;
    }
  }
  return tailFlips(image, width, i, area, flips, t, false);
}

/** Whether the 16 bytes at `i` differ from those at `j` (four unaligned little-endian int32 pairs). */
function blockDiffers(view: DataView, i: number, j: number): boolean {
  return (
    ((view.getInt32(i, true) ^ view.getInt32(j, true)) |
      (view.getInt32(i + 4, true) ^ view.getInt32(j + 4, true)) |
      (view.getInt32(i + 8, true) ^ view.getInt32(j + 8, true)) |
      (view.getInt32(i + 12, true) ^ view.getInt32(j + 12, true))) !==
    0
  );
}

/** The last (fewer than 16) pixels, one at a time; returns the new count. */
function tailFlips(image: Uint8Array, width: number, from: number, area: number, flips: Uint32Array, t: number, exact: boolean): number {
  for (let i = from; i < area; i++) {
    if (exact ? image[i] !== image[i - width] : (image[i] === 0) !== (image[i - width] === 0)) flips[t++] = i;
  }
  return t;
}

/**
 * The flips bucketed by column (counting sort), keeping row order within a column: column x's rows
 * at rows[ends[x - 1] .. ends[x]).
 */
function bucketByColumn(flips: Uint32Array, t: number, width: number): { count: number; ends: Uint32Array; rows: Uint32Array } {
  const xs = u32(XS, t);
  const ends = u32(COUNTS, width + 1);
  ends.fill(0, 0, width + 1);
  for (let f = 0; f < t; f++) {
    const x = (flips[f] as number) % width;
    xs[f] = x;
    ends[x + 1] = (ends[x + 1] as number) + 1;
  }
  for (let x = 1; x <= width; x++) ends[x] = (ends[x] as number) + (ends[x - 1] as number);
  const rows = u32(SORTED, t);
  for (let f = 0; f < t; f++) {
    const x = xs[f] as number;
    const at = ends[x] as number;
    rows[at] = ((flips[f] as number) - x) / width;
    ends[x] = at + 1;
  }
  // ends[x] has moved from the start of column x's bucket to its end.
  return { count: t, ends, rows };
}

/** Row-major mask (nonzero = foreground) -> column-major runs, starting with a run of zeros. */
export function encodeColumnRuns(mask: Uint8Array, height: number, width: number): Uint32Array {
  const area = height * width;
  if (area === 0) return new Uint32Array(1);
  const toggles = columnToggles(mask, height, width, false);
  if (toggles === null) return columnWalk(mask, height, width);
  const { count, ends, rows } = toggles;

  // Runs = distances between consecutive toggles in column-major order: the toggles inside each
  // column, and one at the top of a column whose first pixel differs from the last pixel of the
  // column before (background before pixel 0).
  const runs = u32(RUNS, count + width + 1);
  let k = 0;
  let last = 0;
  let value = 0;
  let from = 0;
  for (let x = 0; x < width; x++) {
    const base = x * height;
    const top = mask[x] === 0 ? 0 : 1;
    if (top !== value) {
      runs[k++] = base - last;
      last = base;
    }
    const to = ends[x] as number;
    for (let f = from; f < to; f++) {
      const p = base + (rows[f] as number);
      runs[k++] = p - last;
      last = p;
    }
    value = top ^ ((to - from) & 1);
    from = to;
  }
  runs[k++] = area - last;
  return runs.slice(0, k);
}

/**
 * The plain walk down each column (pycocotools rleEncode on a transposed view). Branch-free: the
 * count is always written and k only advances on a change, so noise costs no more than shapes.
 */
function columnWalk(mask: Uint8Array, height: number, width: number): Uint32Array {
  const area = height * width;
  const runs = u32(RUNS, area + 1);
  let k = 0;
  let current = 0;
  let count = 0;
  for (let x = 0; x < width; x++) {
    for (let i = x; i < area; i += width) {
      const v = ((mask[i] as number) + 255) >> 8; // 0 for 0, 1 for 1..255
      const changed = v ^ current;
      runs[k] = count;
      k += changed;
      count = (count & (changed - 1)) + 1;
      current = v;
    }
  }
  runs[k++] = count;
  return runs.slice(0, k);
}

/**
 * Column-major runs -> `value` at every foreground pixel of the row-major `out` (other pixels are
 * left as they are). Runs that add up to less than the image leave the rest untouched; the caller
 * refuses runs that add up to more.
 */
export function decodeColumnRunsInto(runs: ArrayLike<number>, height: number, width: number, out: Uint8Array, value: number): void {
  const area = height * width;
  if (area === 0) return;
  if (width === 1 || height === 1) {
    // Row-major and column-major order coincide.
    let pos = 0;
    for (let j = 0; j < runs.length && pos < area; j++) {
      const n = runs[j] as number;
      if ((j & 1) === 1 && n > 0) out.fill(value, pos, Math.min(area, pos + n));
      pos += n;
    }
    return;
  }

  // 1. Each foreground run [pos, pos + n) toggles the state at pos and at pos + n. The current row
  // is kept as span edges: bit x (0..width) is set where column x's state differs from column
  // x - 1's (outside the image the state is 0). A toggle at the top of column x, or inside an
  // earlier column, changes the state column x starts with: an edge at x and one at width (a
  // toggle inside the last column changes no column's start and its two edges cancel). A toggle
  // inside column x at row y flips that column from row y on; those are bucketed by row.
  const words = (width + 32) >> 5;
  const bits = new Int32Array(u32(BITS, words).buffer, 0, words);
  bits.fill(0);
  const rowEnds = u32(COUNTS, height + 1);
  rowEnds.fill(0, 0, height + 1);
  const xs = u32(XS, 2 * runs.length);
  const ys = u32(FLIPS, 2 * runs.length);
  const endBit = 1 << (width & 31);
  const endWord = width >> 5;
  let t = 0;
  let pos = 0;
  for (let j = 0; j < runs.length && pos < area; j++) {
    const n = runs[j] as number;
    if ((j & 1) === 1 && n > 0) {
      for (let e = 0; e < 2; e++) {
        const p = e === 0 ? pos : pos + n;
        if (p >= area) break;
        const x = Math.floor(p / height);
        const y = p - x * height;
        const c = y === 0 ? x : x + 1;
        flipBit(bits, c);
        bits[endWord] = (bits[endWord] as number) ^ endBit;
        if (y !== 0) {
          xs[t] = x;
          ys[t++] = y;
          rowEnds[y + 1] = (rowEnds[y + 1] as number) + 1;
        }
      }
    }
    pos += n;
  }
  for (let y = 1; y <= height; y++) rowEnds[y] = (rowEnds[y] as number) + (rowEnds[y - 1] as number);
  const flips = u32(SORTED, t);
  for (let f = 0; f < t; f++) {
    const y = ys[f] as number;
    const at = rowEnds[y] as number;
    flips[at] = xs[f] as number;
    rowEnds[y] = at + 1;
  }
  // rowEnds[y] has moved from the start of row y's bucket to its end.

  // 2. Row by row: flip this row's columns (each flip moves the edges at x and x + 1), list the
  // spans again when something flipped, and fill them.
  const spans = u32(SPANS, width + 2);
  let spanCount = 0;
  let from = 0;
  for (let y = 0; y < height; y++) {
    const to = rowEnds[y] as number;
    if (y === 0 || to > from) {
      for (let f = from; f < to; f++) {
        const x = flips[f] as number;
        flipBit(bits, x);
        flipBit(bits, x + 1);
      }
      from = to;
      spanCount = 0;
      for (let w = 0; w < words; w++) {
        let b = bits[w] as number;
        while (b !== 0) {
          const low = b & -b;
          spans[spanCount++] = (w << 5) + 31 - Math.clz32(low);
          b ^= low;
        }
      }
    }
    const row = y * width;
    for (let s = 0; s < spanCount; s += 2) {
      const a = row + (spans[s] as number);
      const b = row + (spans[s + 1] as number);
      if (b - a < 16) for (let q = a; q < b; q++) out[q] = value;
      else out.fill(value, a, b);
    }
  }
}

function flipBit(bits: Int32Array, x: number): void {
  const w = x >> 5;
  bits[w] = (bits[w] as number) ^ (1 << (x & 31));
}
