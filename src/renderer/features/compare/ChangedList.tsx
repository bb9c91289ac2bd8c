import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { apiQuery } from '../../api/queries';

export interface ChangedRow {
  imageId: number;
  fileName: string;
  /** Share of pixels the two runs label differently. */
  fraction: number | null;
  /** Per-image score of B minus A (metrics.compare), when scores exist. */
  delta: number | null;
}

/**
 * Images ranked by how much the two runs differ: by |score delta| when metrics.compare has per-image
 * scores for both runs, else by pixel disagreement (images.rankByRunDisagreement).
 */
export function useChangedImages(
  datasetId: number,
  runA: number | null,
  runB: number | null,
): { rows: ChangedRow[]; byScore: boolean; metric: string; error: unknown } {
  const enabled = runA !== null && runB !== null && runA !== runB;
  const ids = { a: runA ?? 0, b: runB ?? 0 };
  const disagreement = useQuery({
    ...apiQuery('images.rankByRunDisagreement', { datasetId, runA: ids.a, runB: ids.b, limit: DISAGREEMENT_LIMIT }),
    enabled,
  });
  const compare = useQuery({ ...apiQuery('metrics.compare', { datasetId, runIds: [ids.a, ids.b] }), enabled, retry: false });
  return useMemo(() => {
    const deltas = new Map<number, number>();
    for (const p of compare.data?.perImage ?? []) if (p.diff !== null) deltas.set(p.imageId, p.diff);
    const byScore = deltas.size > 0;
    const rows: ChangedRow[] = (disagreement.data ?? []).map((d) => ({
      imageId: d.imageId,
      fileName: d.fileName,
      fraction: d.fraction,
      delta: deltas.get(d.imageId) ?? null,
    }));
    if (byScore) {
      for (const p of compare.data?.perImage ?? []) {
        if (!rows.some((r) => r.imageId === p.imageId))
          rows.push({ imageId: p.imageId, fileName: p.fileName, fraction: null, delta: p.diff });
      }
      rows.sort((x, y) => Math.abs(y.delta ?? 0) - Math.abs(x.delta ?? 0) || (y.fraction ?? 0) - (x.fraction ?? 0));
    }
    return { rows, byScore, metric: metricName(compare.data?.imageMetric), error: disagreement.error };
  }, [disagreement.data, disagreement.error, compare.data]);
}

/** The per-image score that Δ is the difference of, in words. */
/** The images whose pixel disagreement is counted (the most disagreeing ones); the others show "px —". */
export const DISAGREEMENT_LIMIT = 200;

export function metricName(imageMetric: string | undefined): string {
  if (imageMetric === 'image-miou') return 'image mIoU';
  if (imageMetric === 'lisa-pair-iou') return 'IoU';
  return imageMetric ?? 'score';
}

/** A share or a score in [0, 1] as whole percent / points; never "-0". */
export function wholePercent(x: number): number {
  const r = Math.round(x * 100);
  return r === 0 ? 0 : r;
}

export function ChangedList(p: {
  rows: readonly ChangedRow[];
  byScore: boolean;
  metric: string;
  current: number | null;
  onPick(imageId: number): void;
}): React.JSX.Element {
  const signed = (d: number): string => {
    const v = wholePercent(d);
    return v > 0 ? `+${v}` : v < 0 ? `\u2212${-v}` : '0';
  };
  return (
    <div className="changed-list">
      <h3>Changed most</h3>
      <p className="muted small" data-testid="changed-explain">
        {p.byScore
          ? `Ordered by |Δ|. Δ = B − A of the ${p.metric} per image, in points (0–100); px = pixels the runs label differently (counted for the ${DISAGREEMENT_LIMIT} images where they differ most; "px —" below them).`
          : 'Ordered by px: the share of pixels the two runs label differently.'}
      </p>
      <ol data-testid="changed-list">
        {p.rows.map((r) => (
          <li key={r.imageId}>
            <button
              className={r.imageId === p.current ? 'link current' : 'link'}
              data-testid="changed-item"
              data-image-id={r.imageId}
              onClick={() => p.onPick(r.imageId)}
            >
              {r.fileName}
            </button>{' '}
            <span className="muted small" data-testid="changed-values">
              {[
                r.fraction === null ? (p.byScore ? 'px —' : null) : `${wholePercent(r.fraction)}% px`,
                r.delta === null ? null : `Δ ${signed(r.delta)}`,
              ]
                .filter((x) => x !== null)
                .join(' · ')}
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}
