import { useQueries } from '@tanstack/react-query';
import type { RunSummary } from '../../../shared';
import { runDisplayName } from '../../../shared/domain/runLabel';
import { apiQuery } from '../../api/queries';
import { RUN_COLORS, pct } from './columns';

/** A run whose CAMs can be swept: a cam-kind model's run, or ToCo/IRN CAM dicts imported as a run. */
export function isCamRun(run: Pick<RunSummary, 'source' | 'params' | 'provenance'>): boolean {
  return run.provenance['modelKind'] === 'cam' || (run.source === 'import' && run.params['format'] === 'toco-cam');
}

/** The y range (in %) that shows the differences: the values' span with a margin, on 5-point steps. */
export function sweepRange(values: readonly number[]): { lo: number; hi: number } {
  if (values.length === 0) return { lo: 0, hi: 100 };
  const min = Math.min(...values) * 100;
  const max = Math.max(...values) * 100;
  const lo = Math.max(0, Math.floor((min - 2) / 5) * 5);
  const hi = Math.min(100, Math.ceil((max + 2) / 5) * 5);
  return hi - lo < 10 ? { lo: Math.max(0, hi - 10), hi: Math.max(10, hi) } : { lo, hi };
}

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 44, right: 16, top: 14, bottom: 34 };

/**
 * CAM quality over background thresholds (metrics.camSweep): pseudo-label mIoU (GT classes, ToCo's
 * eval) of each CAM run at t = 0.00..0.95, one line per run, the best threshold marked. The y axis
 * spans the values (its range is labelled), so differences of a point or two are visible.
 */
export function CamSweepChart({
  datasetId,
  runs,
  subset,
}: {
  datasetId: number;
  runs: RunSummary[];
  subset: string | undefined;
}): React.JSX.Element | null {
  const camRuns = runs.filter(isCamRun);
  const sweeps = useQueries({
    queries: camRuns.map((r) => ({ ...apiQuery('metrics.camSweep', { datasetId, runId: r.id, subset }), retry: false })),
  });
  if (camRuns.length === 0) return null;
  const loaded = camRuns.flatMap((run, i) => {
    const data = sweeps[i]?.data;
    return data === undefined ? [] : [{ run, data, color: RUN_COLORS[i % RUN_COLORS.length]! }];
  });
  const failed = camRuns.flatMap((run, i) => {
    const e = sweeps[i]?.error;
    return e ? [`${run.name}: ${e instanceof Error ? e.message : String(e)}`] : [];
  });
  const pending = camRuns.length - loaded.length - failed.length;
  const thresholds = loaded[0]?.data.thresholds ?? [];
  const { lo, hi } = sweepRange(loaded.flatMap((l) => l.data.miou.filter((m): m is number => m !== null)));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const tMax = thresholds[thresholds.length - 1] ?? 1;
  const x = (t: number): number => PAD.left + (tMax === 0 ? 0 : (t / tMax) * plotW);
  const y = (m: number): number => PAD.top + plotH - ((m * 100 - lo) / (hi - lo)) * plotH;
  const step = hi - lo > 40 ? 10 : 5;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + 1e-9; v += step) ticks.push(v);
  return (
    <div className="bench-cam" data-testid="cam-sweep">
      <p className="muted definitions">
        Pseudo-label mIoU (GT classes, <code>toco-cam-sweep</code>) of each CAM run: background where the highest class score is at or under
        the threshold, as ToCo scores its CAMs. y axis from {lo} to {hi}%.
      </p>
      {pending > 0 ? <p className="muted">Sweeping CAM thresholds…</p> : null}
      {failed.length > 0 ? (
        <p className="muted" data-testid="cam-sweep-failed">
          No sweep: {failed.join('; ')}
        </p>
      ) : null}
      {loaded
        .filter(({ data }) => data.leftOut.images > 0)
        .map(({ run, data }) => (
          <p className="left-out" key={run.id} data-testid="cam-sweep-left-out">
            {run.name}: {data.leftOut.images} annotated image(s) left out ({data.leftOut.examples.join(', ')}
            {data.leftOut.images > data.leftOut.examples.length ? ', …' : ''}): {data.leftOut.reasons.join('; ')}. Its mIoU is over the
            other {data.images}.
          </p>
        ))}
      {loaded.length > 0 ? (
        <>
          <svg
            width={WIDTH}
            height={HEIGHT}
            role="img"
            aria-label="CAM threshold sweep"
            data-testid="cam-sweep-svg"
            className="cam-sweep-svg"
          >
            {ticks.map((v) => (
              <g key={v}>
                <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(v / 100)} y2={y(v / 100)} className="grid" />
                <text x={PAD.left - 6} y={y(v / 100) + 3} textAnchor="end">
                  {v}
                </text>
              </g>
            ))}
            {thresholds
              .filter((_, i) => i % 2 === 0)
              .map((t) => (
                <text key={t} x={x(t)} y={HEIGHT - PAD.bottom + 14} textAnchor="middle">
                  {t.toFixed(1)}
                </text>
              ))}
            <text x={PAD.left + plotW / 2} y={HEIGHT - 4} textAnchor="middle">
              background threshold
            </text>
            <text x={12} y={PAD.top + plotH / 2} textAnchor="middle" transform={`rotate(-90 12 ${PAD.top + plotH / 2})`}>
              mIoU %
            </text>
            {loaded.map(({ run, data, color }) => {
              const pts = data.thresholds.flatMap((t, i) => {
                const m = data.miou[i];
                return m === null || m === undefined ? [] : [`${x(t).toFixed(1)},${y(m).toFixed(1)}`];
              });
              const best = data.best;
              return (
                <g key={run.id} data-testid="cam-sweep-line" data-run={run.name}>
                  <polyline points={pts.join(' ')} fill="none" stroke={color} strokeWidth={2} />
                  {best.threshold !== null && best.miou !== null ? (
                    <g data-testid="cam-sweep-best" data-threshold={best.threshold} data-miou={best.miou}>
                      <circle cx={x(best.threshold)} cy={y(best.miou)} r={5} fill={color} stroke="#fff" strokeWidth={1.5} />
                      <text x={x(best.threshold)} y={y(best.miou) - 8} textAnchor="middle" fill={color}>
                        {pct(best.miou)}
                      </text>
                    </g>
                  ) : null}
                </g>
              );
            })}
          </svg>
          <table className="datasets bench-table" data-testid="cam-sweep-table">
            <thead>
              <tr>
                <th>CAM run</th>
                <th className="num">Images</th>
                <th className="num">Best threshold</th>
                <th className="num">mIoU at best</th>
                <th className="num">mIoU at 0.50</th>
              </tr>
            </thead>
            <tbody>
              {loaded.map(({ run, data, color }) => {
                const at50 = data.thresholds.findIndex((t) => Math.abs(t - 0.5) < 1e-9);
                return (
                  <tr key={run.id} data-testid="cam-sweep-row" data-run={run.name}>
                    <td>
                      <span className="swatch" style={{ background: color }} /> {runDisplayName(run)}
                      {run.source === 'import' ? <span className="muted"> (imported CAMs)</span> : null}
                    </td>
                    <td className="num">{data.images}</td>
                    <td className="num" data-metric="best-threshold">
                      {data.best.threshold === null ? '—' : data.best.threshold.toFixed(2)}
                    </td>
                    <td className="num" data-metric="best-miou">
                      {pct(data.best.miou)}
                    </td>
                    <td className="num" data-metric="miou-0.50">
                      {at50 < 0 ? '—' : pct(data.miou[at50])}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      ) : null}
    </div>
  );
}
