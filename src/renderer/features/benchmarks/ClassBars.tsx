import type { RunScores } from '../../../shared/api/methods/metrics';
import { classesInGroundTruth } from '../../../shared/domain/classPresence';
import { RUN_COLORS, pct, predictedWithoutGroundTruth } from './columns';

/**
 * Per-class IoU, one bar per run, on a 0-100 axis (a bar's length is its value over the whole track,
 * 100 the full track) with each value written in a column after the track; classes
 * without ground-truth pixels in the dataset (or subset) are left out and counted below. An
 * undefined IoU is a dash, not a 0 bar.
 */
export function ClassBars({ scores }: { scores: RunScores[] }): React.JSX.Element | null {
  const all = scores[0]?.semantic?.per_class ?? [];
  const present = classesInGroundTruth(scores.map((s) => s.semantic?.per_class));
  const classes = all.filter((c) => present.has(c.id));
  const absent = all.filter((c) => !present.has(c.id));
  const predictedOnly = predictedWithoutGroundTruth(absent, scores);
  if (classes.length === 0) return null;
  return (
    <div className="bench-bars" data-testid="bench-class-bars">
      <div className="bench-legend">
        {scores.map((s, i) => (
          <span key={s.runId}>
            <span className="swatch" style={{ background: RUN_COLORS[i % RUN_COLORS.length] }} />
            {s.run}
          </span>
        ))}
      </div>
      {classes.map((c) => (
        <div key={c.id} className="bench-bar-group" data-testid="bench-class" data-class={c.name}>
          <span className="bench-bar-label">{c.name}</span>
          <div className="bench-bar-stack">
            {scores.map((s, i) => {
              const iou = s.semantic?.per_class[c.id]?.iou ?? null;
              return (
                <div key={s.runId} className="bench-bar-row" title={`${s.run}: IoU ${pct(iou)}`}>
                  {/* The track is the 0-100 axis; the value has its own column after it, so no bar is clipped. */}
                  <span className="bench-bar-track" data-testid="bench-bar-track">
                    {iou === null ? (
                      <span className="muted">—</span>
                    ) : (
                      <span
                        className="bench-bar"
                        data-testid="bench-bar"
                        style={{ width: `${Math.max(0.5, iou * 100)}%`, background: RUN_COLORS[i % RUN_COLORS.length] }}
                      />
                    )}
                  </span>
                  <span className="bench-bar-value">{pct(iou)}</span>
                </div>
              );
            })}
          </div>
        </div>
      ))}
      {absent.length > 0 ? (
        <p className="muted small" data-testid="bench-absent-classes" title={absent.map((c) => c.name).join(', ')}>
          Not shown: {absent.length} class{absent.length === 1 ? '' : 'es'} without ground-truth pixels here (
          {absent
            .slice(0, 6)
            .map((c) => c.name)
            .join(', ')}
          {absent.length > 6 ? ', …' : ''}).
          {predictedOnly.length > 0 ? (
            <span data-testid="bench-predicted-only">
              {' '}
              Predicted there anyway, so IoU 0 in mIoU (not in mIoU over GT classes):{' '}
              {predictedOnly.map((p) => `${p.name} (${p.runs.join(', ')})`).join('; ')}.
            </span>
          ) : null}
        </p>
      ) : null}
    </div>
  );
}
