import type { RunScores } from '../../../shared/api/methods/metrics';
import { RUN_COLORS, pct } from './columns';

/** Per-class IoU, one bar per run; an undefined IoU (class absent from GT and prediction) is a dash, not a 0 bar. */
export function ClassBars({ scores }: { scores: RunScores[] }): React.JSX.Element | null {
  const classes = scores[0]?.semantic?.per_class ?? [];
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
                  {iou === null ? (
                    <span className="muted">—</span>
                  ) : (
                    <span
                      className="bench-bar"
                      style={{ width: `${Math.max(0.5, iou * 100)}%`, background: RUN_COLORS[i % RUN_COLORS.length] }}
                    />
                  )}
                  <span className="bench-bar-value">{pct(iou)}</span>
                </div>
              );
            })}
          </div>
        </div>
      ))}
    </div>
  );
}
