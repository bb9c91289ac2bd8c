import { useQuery } from '@tanstack/react-query';
import { apiQuery } from '../../api/queries';
import { ErrorBanner } from '../../components/ErrorBanner';
import { RunModelPanel } from '../runs';

/** The model registry (models.list): what `tessera models add` registered, toys labelled as such. */
export function ModelsPage(): React.JSX.Element {
  const models = useQuery(apiQuery('models.list', {}));
  if (models.error) return <ErrorBanner error={models.error} />;
  if (models.data === undefined) return <p className="muted">Loading models…</p>;
  return (
    <section>
      <h2>Models</h2>
      {models.data.length > 0 ? <RunModelPanel /> : null}
      {models.data.length === 0 ? (
        <p className="muted">
          No models yet. Add one from a terminal: <code>npx tessera models add MANIFEST</code>
        </p>
      ) : (
        <table className="datasets" data-testid="models-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Inputs</th>
              <th>Outputs</th>
              <th>Classes</th>
              <th>File</th>
            </tr>
          </thead>
          <tbody>
            {models.data.map((m) => (
              <tr key={m.id} data-testid="model-row">
                <td>
                  {m.name} {m.toy ? <span className="badge toy">toy</span> : null}
                </td>
                <td>{m.kind}</td>
                <td className="small">{m.inputs.map((t) => `${t.name}`).join(', ')}</td>
                <td className="small">{m.outputs.map((t) => `${t.name}`).join(', ')}</td>
                <td>{m.classes.length}</td>
                <td className="muted small" title={`sha256 ${m.sha256}`}>
                  {m.path}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
