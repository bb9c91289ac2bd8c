/**
 * The gallery's order of a run's per-image scores, shared by the gallery (which sorts what it shows)
 * and the engine's images.neighbors (which answers previous/next in that same order).
 */
export interface ScoredImage {
  imageId: number;
  fileName: string;
  /** null: undefined score (0/0: no pixel of any class in ground truth or prediction); those go last in both orders. Images without a score row: unscoredImages. */
  score: number | null;
}

/** File names as SQLite's BINARY collation orders them (the gallery's name order), then id. */
export function compareNames(a: { fileName: string; imageId: number }, b: { fileName: string; imageId: number }): number {
  return compareUtf8(a.fileName, b.fileName) || a.imageId - b.imageId;
}

/**
 * Compares two strings as their UTF-8 bytes compare (SQLite's BINARY collation), which is code point
 * order. UTF-16 code units order the same except that surrogates (U+D800..DFFF, the halves of code
 * points above U+FFFF) sort below U+E000..FFFF there and above them in code point order.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let k = 0;
  while (k < n && a.charCodeAt(k) === b.charCodeAt(k)) k++;
  if (k === n) return a.length - b.length;
  return utf8Rank(a.charCodeAt(k)) - utf8Rank(b.charCodeAt(k));
}

function utf8Rank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** Score order: defined scores by `order`, undefined scores last, ties by file name then id. */
export function compareScored(order: 'asc' | 'desc'): (a: ScoredImage, b: ScoredImage) => number {
  const dir = order === 'asc' ? 1 : -1;
  return (a, b) => (a.score === null ? 1 : 0) - (b.score === null ? 1 : 0) || dir * ((a.score ?? 0) - (b.score ?? 0)) || compareNames(a, b);
}

/** Columns of per-image scores (the contract's PerImageScores) in gallery order, as far as ordering needs them. */
export interface ScoreColumns {
  imageIds: readonly number[];
  fileNames: readonly string[];
  scores: ReadonlyArray<number | null>;
}

/**
 * One row per image (its first sample's score, as listed by metrics.perImage), kept only when `allowed`
 * holds the image (the filtered ids), in score order: compareScored's, since the columns come in the
 * gallery's name order and a stable sort keeps it among ties. Rows are made only for the images kept.
 * The sort is a counting sort over the ranks of the distinct keys (found with the engine's native
 * numeric sort): no comparator runs; at 100k images 2.6-5.4x faster than sorting rows with compareScored.
 */
export function orderScored(c: ScoreColumns, allowed: ReadonlySet<number>, order: 'asc' | 'desc'): ScoredImage[] {
  // An image's samples are adjacent in gallery order: its first row is the one after another image's.
  const kept: number[] = [];
  for (let k = 0; k < c.imageIds.length; k++) {
    const imageId = c.imageIds[k]!;
    if ((k === 0 || c.imageIds[k - 1] !== imageId) && allowed.has(imageId)) kept.push(k);
  }
  // Undefined scores last in both orders: +Infinity.
  const dir = order === 'asc' ? 1 : -1;
  const n = kept.length;
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const score = c.scores[kept[i]!]!;
    keys[i] = score === null ? Infinity : dir * score + 0; // + 0: -0 is 0
  }
  const distinct = distinctSorted(keys);
  const rank = new Int32Array(n);
  const counts = new Int32Array(distinct.length + 1);
  for (let i = 0; i < n; i++) {
    rank[i] = indexOf(distinct, keys[i]!);
    counts[rank[i]! + 1]!++;
  }
  for (let r = 1; r < counts.length; r++) counts[r]! += counts[r - 1]!;
  const out: ScoredImage[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = kept[i]!;
    out[counts[rank[i]!]!++] = { imageId: c.imageIds[k]!, fileName: c.fileNames[k]!, score: c.scores[k]! };
  }
  return out;
}

/**
 * The filtered images a run has no score row for (no ground truth, or outside the images a subset run
 * covered), in `allowed`'s order (images.ids lists in name order): the gallery's score view shows them
 * after every scored image (`orderScored`'s rows, whose undefined 0/0 scores come last among them), and
 * images.neighbors steps through them in the same place.
 */
export function unscoredImages(c: ScoreColumns, allowed: readonly number[]): number[] {
  const listed = new Set(c.imageIds);
  return allowed.filter((id) => !listed.has(id));
}

/** The distinct values of `keys`, ascending. */
function distinctSorted(keys: Float64Array): Float64Array {
  const sorted = keys.slice().sort();
  let m = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i]!;
  return sorted.subarray(0, m);
}

/** Position of `value` in the ascending, distinct `sorted` (it is there). */
function indexOf(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
