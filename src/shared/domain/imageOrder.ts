/**
 * The gallery's order of a run's per-image scores, shared by the gallery (which sorts what it shows)
 * and the engine's images.neighbors (which answers previous/next in that same order).
 */
export interface ScoredImage {
  imageId: number;
  fileName: string;
  /** null: undefined score (no ground truth, 0/0); those go last in both orders. */
  score: number | null;
}

/** Code-unit order of file names, then id: deterministic in every JS engine (no locale). */
export function compareNames(a: { fileName: string; imageId: number }, b: { fileName: string; imageId: number }): number {
  return a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : a.imageId - b.imageId;
}

/** Score order: defined scores by `order`, undefined scores last, ties by file name then id. */
export function compareScored(order: 'asc' | 'desc'): (a: ScoredImage, b: ScoredImage) => number {
  const dir = order === 'asc' ? 1 : -1;
  return (a, b) => (a.score === null ? 1 : 0) - (b.score === null ? 1 : 0) || dir * ((a.score ?? 0) - (b.score ?? 0)) || compareNames(a, b);
}

/**
 * One row per image (its first sample's score, as listed by metrics.perImage), kept only when `allowed`
 * holds the image (the filtered ids), in score order.
 */
export function orderScored<T extends ScoredImage>(rows: readonly T[], allowed: ReadonlySet<number>, order: 'asc' | 'desc'): T[] {
  const seen = new Set<number>();
  const out = rows.filter((r) => allowed.has(r.imageId) && !seen.has(r.imageId) && seen.add(r.imageId));
  return out.sort(compareScored(order));
}
