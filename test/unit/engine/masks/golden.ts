import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Reads a golden vector file from test/fixtures/golden (never from shared/). */
export function readGolden<T>(name: string): T {
  const path = fileURLToPath(new URL(`../../../fixtures/golden/${name}`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export interface CocoGolden {
  masks: Array<{ h: number; w: number; kind: string; runs: number[]; counts: string; area: number; bbox: number[] }>;
  polygons: Array<{ h: number; w: number; polygons: number[][]; counts: string; area: number }>;
  iou: Array<{ h: number; w: number; dt: string[]; gt: string[]; iscrowd: number[]; iou: number[][] }>;
}

type SizedRle = { size: [number, number]; counts: string };

export interface CocoExtraGolden {
  polygons: Array<{ h: number; w: number; note: string; polygons: number[][]; counts: string; area: number }>;
  merges: Array<{ h: number; w: number; intersect: boolean; rles: string[]; counts: string }>;
  masks: Array<{ h: number; w: number; note: string; counts: string; runs: number[]; area: number; bbox: number[] }>;
  iou: Array<{ dt: SizedRle[]; gt: SizedRle[]; iscrowd: number[]; iou: number[][] }>;
  uncompressed: Array<{ size: [number, number]; counts: number[]; compressed: string }>;
}

export interface RasterCase {
  h: number;
  w: number;
  note?: string;
  shapes: Array<{ label: string; points: number[][]; shape_type?: string }>;
  mask_rows: string[];
}

export interface OpenCvExtraGolden {
  cases: RasterCase[];
  resize: Array<{ sw: number; sh: number; dw: number; dh: number; src: string; dst: string }>;
}

/** mask_rows -> row-major values: '0'/'1' as digits, 'x' = 255 (ignore). */
export function maskFromRows(rows: string[], width: number): Uint8Array {
  const out = new Uint8Array(rows.length * width);
  rows.forEach((row, y) => {
    for (let x = 0; x < width; x++) out[y * width + x] = row[x] === 'x' ? 255 : Number(row[x]);
  });
  return out;
}

export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Seeded PRNG (mulberry32) so property tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** Random binary mask of one of several textures: empty, full, noise, or a few rectangles. */
export function randomMask(random: () => number, height: number, width: number): Uint8Array {
  const mask = new Uint8Array(height * width);
  if (mask.length === 0) return mask;
  const kind = randomInt(random, 0, 3);
  if (kind === 1) mask.fill(1);
  if (kind === 2) {
    const p = random();
    for (let i = 0; i < mask.length; i++) mask[i] = random() < p ? 1 + randomInt(random, 0, 254) * (i & 1) : 0;
  }
  if (kind === 3) {
    for (let r = randomInt(random, 1, 3); r > 0; r--) {
      const y0 = randomInt(random, 0, height - 1);
      const x0 = randomInt(random, 0, width - 1);
      const y1 = randomInt(random, y0, height - 1);
      const x1 = randomInt(random, x0, width - 1);
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) mask[y * width + x] = 1;
    }
  }
  return mask;
}

/** Plain-loop reference: column-major runs of (mask != 0), written independently of the code under test. */
export function naiveRuns(mask: Uint8Array, height: number, width: number): number[] {
  const runs: number[] = [];
  let current = 0;
  let count = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] ? 1 : 0;
      if (v !== current) {
        runs.push(count);
        count = 0;
        current = v;
      }
      count++;
    }
  }
  runs.push(count);
  return runs;
}

/**
 * Index of the first differing byte, or -1 (with a length mismatch counting as a difference).
 * Large masks are compared this way because deep equality on 190k-element arrays is slow.
 */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
