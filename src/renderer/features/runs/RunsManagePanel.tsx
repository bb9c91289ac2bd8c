import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { runOrigin } from '../../../shared';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { routeHref } from '../../router';
import { ConfirmDelete } from '../datasets/ConfirmDelete';
import { RenameInline } from '../datasets/RenameInline';

/** What made a run: the model's name beside its hash, TOY for toy models, or "imported". */
export function RunOrigin({ run }: { run: Parameters<typeof runOrigin>[0] }): React.JSX.Element {
  const o = runOrigin(run);
  if (o.imported) return <span className="muted">imported</span>;
  return (
    <span data-testid="run-origin">
      {o.model ?? 'model'} {o.sha === null ? null : <code className="muted small">{o.sha}</code>}{' '}
      {o.toy ? (
        <span className="badge toy" title="made by a toy model: its scores mean nothing about real data">
          TOY
        </span>
      ) : null}
    </span>
  );
}

/** A dataset's runs with what made them; rename or delete (the confirmation lists what goes). */
export function RunsManagePanel({ datasetId }: { datasetId: number }): React.JSX.Element {
  const runs = useQuery(apiQuery('runs.list', { datasetId }));
  const [deleting, setDeleting] = useState<number | null>(null);
  if (runs.error) return <ErrorBanner error={runs.error} />;
  const list = runs.data ?? [];
  return (
    <div data-testid="runs-panel">
      <h4>Runs</h4>
      {deleting !== null ? <ConfirmDelete target={{ kind: 'run', id: deleting }} onClose={() => setDeleting(null)} /> : null}
      {list.length === 0 ? (
        <p className="muted">
          No runs yet: run a model on the <a href={routeHref({ page: 'models' })}>Models</a> page.
        </p>
      ) : (
        <table className="datasets">
          <thead>
            <tr>
              <th>Run</th>
              <th>Made by</th>
              <th>Status</th>
              <th>Samples</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-testid="run-row" data-run={r.name}>
                <td>
                  <RenameInline value={r.name} testId="run" onRename={(name) => client.call('runs.rename', { runId: r.id, name })} />
                </td>
                <td>
                  <RunOrigin run={r} />
                </td>
                <td>{r.status}</td>
                <td>{r.predictedSamples}</td>
                <td>
                  <button type="button" className="danger" data-testid="run-delete" onClick={() => setDeleting(r.id)}>
                    Delete…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
