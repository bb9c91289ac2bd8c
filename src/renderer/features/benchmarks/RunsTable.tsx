import type { RunScores } from '../../../shared/api/methods/metrics';
import { runOrigin, runOriginText, type RunSummary } from '../../../shared';
import { ignoreBandNote } from '../../../shared/pure/ignoreBand';
import { columnsFor, pct } from './columns';
import { bestAsPrinted } from '../../../shared/domain/percent';

/** Runs × metrics; the best value of each column in bold. */
export function RunsTable({
  task,
  scores,
  runs = [],
}: {
  task: string;
  scores: RunScores[];
  runs?: readonly RunSummary[];
}): React.JSX.Element {
  const columns = columnsFor(task);
  // Best as printed (two decimals): runs that print the same are all bold, as in the reports.
  const best = columns.map((c) => {
    const rows = bestAsPrinted(
      scores.map((s) => c.value(s)),
      2,
    );
    return scores.map((_, i) => rows.has(i));
  });
  return (
    <table className="datasets bench-table" data-testid="bench-runs">
      <thead>
        <tr>
          <th>Run</th>
          <th className="num">Images</th>
          {columns.map((c) => (
            <th key={c.key} className="num" title={c.definition}>
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {scores.map((s, i) => (
          <tr key={s.runId} data-testid="bench-run-row" data-run={s.run}>
            <td>
              {s.run}
              {runs.some((r) => r.id === s.runId && runOrigin(r).toy) ? (
                <>
                  {' '}
                  <span className="badge toy" data-testid="bench-toy">
                    TOY
                  </span>
                </>
              ) : null}
              {runs
                .filter((r) => r.id === s.runId && r.source === 'model')
                .map((r) => (
                  <div key={r.id} className="muted small" data-testid="bench-run-origin">
                    {runOriginText({ source: r.source, provenance: { ...r.provenance, toy: false } })}
                  </div>
                ))}
              {runs
                .filter((r) => r.id === s.runId)
                .map((r) => ignoreBandNote(r))
                .filter((note) => note !== null)
                .map((note) => (
                  <div key="ignore-band" className="small bench-run-note" data-testid="bench-run-ignore-band">
                    {note}
                  </div>
                ))}
            </td>
            <td className="num" data-metric="images">
              {s.images}
              {s.unpredicted > 0 ? (
                <span className="muted" title="images with ground truth but no prediction are not scored">
                  {' '}
                  (+{s.unpredicted} missing)
                </span>
              ) : null}
            </td>
            {columns.map((c, k) => (
              <td key={c.key} className={best[k]?.[i] === true ? 'num best' : 'num'} data-metric={c.key}>
                {pct(c.value(s))}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
