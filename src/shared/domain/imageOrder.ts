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

/** Columns of per-image scores (the contract's PerImageScores), as far as ordering needs them. */
export interface ScoreColumns {
  imageIds: readonly number[];
  fileNames: readonly string[];
  scores: ReadonlyArray<number | null>;
}

/**
 * One row per image (its first sample's score, as listed by metrics.perImage), kept only when `allowed`
 * holds the image (the filtered ids), in score order. Rows are made only for those images.
 */
export function orderScored(c: ScoreColumns, allowed: ReadonlySet<number>, order: 'asc' | 'desc'): ScoredImage[] {
  const seen = new Set<number>();
  const out: ScoredImage[] = [];
  for (let k = 0; k < c.imageIds.length; k++) {
    const imageId = c.imageIds[k]!;
    if (!allowed.has(imageId) || seen.has(imageId)) continue;
    seen.add(imageId);
    out.push({ imageId, fileName: c.fileNames[k]!, score: c.scores[k]! });
  }
  return out.sort(compareScored(order));
}
