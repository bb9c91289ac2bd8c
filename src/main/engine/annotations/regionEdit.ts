import type { PixelBox } from '../../../shared/pure/maskBox';
import type { Rle } from '../masks/rle';
import { runsArea, runsBbox, runsOf } from '../masks/runs';
import { countsToString } from '../masks/rleString';

/** A rectangle of the image in pixels: columns x..x+w-1, rows y..y+h-1. */
export type Box = PixelBox;

export interface RegionPixels {
  annotationId: number;
  classIdx: number;
  rle: Rle;
}

/** What one edit does to the regions of a label map: new versions of some, new regions for new classes. */
export interface RegionChange {
  /** null: a new region for a class the label map did not have. */
  annotationId: number | null;
  classIdx: number;
  rle: Rle;
  area: number;
  bbox: [number, number, number, number];
}

/**
 * The part of an RLE inside `box`, row-major w*h 0/1. Walks the column-major runs once and touches
 * only the box's columns, so a small box on a large image costs little.
 */
export function decodeRleInBox(rle: Rle, box: Box): Uint8Array {
  const height = rle.size[0];
  const runs = runsOf(rle);
  const out = new Uint8Array(box.w * box.h);
  const colStart = box.x * height;
  const colEnd = (box.x + box.w) * height;
  let pos = 0;
  for (let j = 0; j < runs.length && pos < colEnd; j++) {
    const n = runs[j] as number;
    const start = pos;
    pos += n;
    if (j % 2 === 0 || pos <= colStart) continue;
    const from = Math.max(start, colStart);
    const to = Math.min(pos, colEnd);
    for (let p = from; p < to;) {
      const x = Math.floor(p / height);
      const colTop = x * height;
      const runEnd = Math.min(to, colTop + height);
      const y0 = Math.max(p - colTop, box.y);
      const y1 = Math.min(runEnd - colTop, box.y + box.h);
      for (let y = y0; y < y1; y++) out[(y - box.y) * box.w + (x - box.x)] = 1;
      p = runEnd;
    }
  }
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * An edit's pixel work: whether the stored pixels in `box` are `before` (stale: the client worked
 * from an old copy), and if so the region changes that make them `after`. Pure: the worker pool runs
 * it for large boxes (workers/tasks.ts planEdit), the engine's thread for small ones.
 */
export function planEdit(input: {
  regions: readonly RegionPixels[];
  height: number;
  width: number;
  box: Box;
  before: Uint8Array;
  after: Uint8Array;
}): { stale: boolean; changes: RegionChange[] } {
  if (!sameBytes(paintBox(input.regions, input.box), input.before)) return { stale: true, changes: [] };
  return { stale: false, changes: planRegionChanges(input.regions, input.height, input.width, input.box, input.after, input.before) };
}

/** The label map inside `box` as the blob reader paints it: later regions over earlier ones, 0 elsewhere. */
export function paintBox(regions: readonly RegionPixels[], box: Box): Uint8Array {
  const out = new Uint8Array(box.w * box.h);
  for (const r of regions) {
    const m = decodeRleInBox(r.rle, box);
    for (let i = 0; i < m.length; i++) if (m[i] === 1) out[i] = r.classIdx;
  }
  return out;
}

/**
 * The runs of a region with the box's pixels replaced by `want` (row-major w*h 0/1), computed on the
 * runs themselves: the ones outside the box are kept as intervals, the box's columns are cut out and
 * refilled from `want`. Costs the number of runs plus the box, not the image, so a stroke on a
 * 4096x4096 map is as cheap as on a small one. The result is canonical (what encodeRuns would give
 * for the full mask): a leading zero run, no empty runs inside, no trailing zero run after foreground.
 */
export function spliceRunsInBox(runs: ArrayLike<number>, height: number, width: number, box: Box, want: Uint8Array): Uint32Array {
  const area = height * width;
  const out: number[] = []; // [start, end) intervals of ones, in column-major order
  const push = (start: number, end: number): void => {
    if (end <= start) return;
    if (out.length > 0 && out[out.length - 1] === start) out[out.length - 1] = end;
    else out.push(start, end);
  };
  // Old ones outside the box, interleaved column by column with the box's new ones.
  let pos = 0;
  let j = 0;
  let runStart = 0;
  let runEnd = 0; // current old interval of ones, [runStart, runEnd)
  const nextOnes = (): void => {
    runStart = runEnd = area;
    while (j < runs.length) {
      const n = runs[j] as number;
      const start = pos;
      pos += n;
      j++;
      if (j % 2 === 0 && n > 0) {
        runStart = start;
        runEnd = pos;
        return;
      }
    }
  };
  nextOnes();
  // Emits old ones in [from, to), consuming intervals that end before `to`.
  const keepOld = (from: number, to: number): void => {
    while (runStart < to) {
      push(Math.max(runStart, from), Math.min(runEnd, to));
      if (runEnd > to) return;
      nextOnes();
    }
  };
  let cursor = 0;
  for (let bx = 0; bx < box.w; bx++) {
    const segStart = (box.x + bx) * height + box.y;
    keepOld(cursor, segStart);
    for (let by = 0; by < box.h; by++) if (want[by * box.w + bx] === 1) push(segStart + by, segStart + by + 1);
    cursor = segStart + box.h;
    while (runStart < area && runEnd <= cursor) nextOnes(); // drop old ones inside the segment
  }
  keepOld(cursor, area);

  const result: number[] = [];
  let last = 0;
  for (let i = 0; i < out.length; i += 2) {
    result.push((out[i] as number) - last, (out[i + 1] as number) - (out[i] as number));
    last = out[i + 1] as number;
  }
  if (last < area || result.length === 0) result.push(area - last);
  return Uint32Array.from(result);
}

function encodeRegion(
  runs: Uint32Array,
  height: number,
  width: number,
): { rle: Rle; area: number; bbox: [number, number, number, number] } {
  return { rle: { size: [height, width], counts: countsToString(runs) }, area: runsArea(runs), bbox: runsBbox(runs, height, width) };
}

/**
 * Which regions an edit changes, and their new pixels. Only pixels whose painted label changes
 * (`before` -> `after`) are touched: there every region keeps the pixel exactly when `after` names its
 * class, so the painted result is `after` whatever the paint order; every other pixel of the box, and
 * every pixel outside it, stays as it is in every region (a COCO instance's pixels hidden under another
 * instance are not dropped because a stroke's box passed over them). A pixel that gains class c goes
 * to the newest region of c (COCO instances of one class stay separate); a class with no region gets a
 * new one, except background 0, which is what no region covers. `before`: the painted box (paintBox);
 * without it every pixel of the box counts as changed.
 */
export function planRegionChanges(
  regions: readonly RegionPixels[],
  height: number,
  width: number,
  box: Box,
  after: Uint8Array,
  before?: Uint8Array,
): RegionChange[] {
  const inBox = regions.map((r) => decodeRleInBox(r.rle, box));
  const owner = new Map<number, number>();
  regions.forEach((r, i) => owner.set(r.classIdx, i));
  const coveredByClass = new Map<number, Uint8Array>();
  regions.forEach((r, i) => {
    const covered = coveredByClass.get(r.classIdx) ?? new Uint8Array(box.w * box.h);
    const m = inBox[i] as Uint8Array;
    for (let p = 0; p < m.length; p++) covered[p] = (covered[p] as number) | (m[p] as number);
    coveredByClass.set(r.classIdx, covered);
  });

  const changes: RegionChange[] = [];
  regions.forEach((r, i) => {
    const had = inBox[i] as Uint8Array;
    const covered = coveredByClass.get(r.classIdx) as Uint8Array;
    const isOwner = owner.get(r.classIdx) === i;
    const want = new Uint8Array(had.length);
    let changed = false;
    for (let p = 0; p < had.length; p++) {
      const v =
        before !== undefined && before[p] === after[p]
          ? (had[p] as number)
          : after[p] === r.classIdx && (had[p] === 1 || (isOwner && covered[p] === 0))
            ? 1
            : 0;
      want[p] = v;
      if (v !== had[p]) changed = true;
    }
    if (!changed) return;
    changes.push({
      annotationId: r.annotationId,
      classIdx: r.classIdx,
      ...encodeRegion(spliceRunsInBox(runsOf(r.rle), height, width, box, want), height, width),
    });
  });

  const newClasses = new Set<number>();
  for (const [p, v] of after.entries()) if (v !== 0 && !owner.has(v) && (before === undefined || before[p] !== v)) newClasses.add(v);
  for (const classIdx of [...newClasses].sort((a, b) => a - b)) {
    const runs = spliceRunsInBox(
      [height * width],
      height,
      width,
      box,
      after.map((v) => (v === classIdx ? 1 : 0)),
    );
    changes.push({ annotationId: null, classIdx, ...encodeRegion(runs, height, width) });
  }
  return changes;
}
