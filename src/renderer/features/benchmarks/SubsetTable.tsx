import { useQueries } from '@tanstack/react-query';
import type { RunSummary } from '../../../shared';
import type { SubsetSummary } from '../../../shared/api/methods/metrics';
import { apiQuery } from '../../api/queries';
import { columnsFor, pct } from './columns';

/** The first metric of the task (mIoU or gIoU) per tag and run: each cell is a SQL aggregate of stored rows. */
export function SubsetTable({
  datasetId,
  task,
  runs,
  subsets,
}: {
  datasetId: number;
  task: string;
  runs: RunSummary[];
  subsets: SubsetSummary[];
}): React.JSX.Element | null {
  const column = columnsFor(task)[0]!;
  const cells = useQueries({
    queries: subsets.flatMap((t) => runs.map((r) => apiQuery('metrics.scores', { datasetId, runId: r.id, subset: t.name }))),
  });
  if (subsets.length === 0) return <p className="muted">No tags on this dataset yet: tag images in the gallery to score subsets.</p>;
  return (
    <table className="datasets bench-table" data-testid="bench-subsets">
      <thead>
        <tr>
          <th>Tag</th>
          {/* A semantic dataset has one sample per image (tags list counts them as images); a referring one, one per query. */}
          <th className="num">{task === 'referring' ? 'Queries' : 'Images'}</th>
          {runs.map((r) => (
            <th key={r.id} className="num" title={column.definition}>
              {r.name} {column.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {subsets.map((t, i) => (
          <tr key={t.name} data-testid="bench-subset-row" data-subset={t.name}>
            <td>{t.name}</td>
            <td className="num">{t.samples}</td>
            {runs.map((r, k) => {
              const q = cells[i * runs.length + k];
              return (
                <td key={r.id} className="num" data-run={r.name}>
                  {q?.data === undefined ? (q?.error ? 'error' : '…') : pct(column.value(q.data))}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
