import { Fragment, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { apiQuery } from '../../api/queries';
import { ErrorBanner } from '../../components/ErrorBanner';
import { RunModelPanel } from '../runs';
import { AddModelPanel } from './AddModelPanel';
import { client } from '../../api/client';
import { ConfirmDelete } from '../datasets/ConfirmDelete';
import { RenameInline } from '../datasets/RenameInline';
import { InputSpecView, shapeText } from './InputSpecView';
import './models.css';

/** The model registry (models.list) with each model's input spec, "Add model" and the run panel; toys labelled as such. */
/** A path that wraps after its separators (a folder name stays whole where it fits), never mid-word first. */
function pathWithBreaks(path: string): React.ReactNode {
  const parts = path.split(/(?<=[/\\])/);
  return parts.map((part, k) => (
    <Fragment key={k}>
      {part}
      {k < parts.length - 1 ? <wbr /> : null}
    </Fragment>
  ));
}

export function ModelsPage(): React.JSX.Element {
  const models = useQuery(apiQuery('models.list', {}));
  const [adding, setAdding] = useState(false);
  const [deleting, setDeleting] = useState<number | null>(null);
  const [renaming, setRenaming] = useState<number | null>(null);
  if (models.error) return <ErrorBanner error={models.error} />;
  if (models.data === undefined) return <p className="muted">Loading models…</p>;
  return (
    <section>
      <div className="page-header">
        <h2>Models</h2>
        {adding ? null : (
          <button type="button" data-testid="add-model-button" onClick={() => setAdding(true)}>
            Add model…
          </button>
        )}
      </div>
      {adding ? <AddModelPanel onClose={() => setAdding(false)} /> : null}
      {deleting !== null ? <ConfirmDelete target={{ kind: 'model', id: deleting }} onClose={() => setDeleting(null)} /> : null}
      {models.data.length > 0 ? <RunModelPanel /> : null}
      {models.data.length === 0 ? (
        <p className="muted">
          No models yet. Use <strong>Add model…</strong> or, from a terminal, <code>npx tessera models add MANIFEST</code>
        </p>
      ) : (
        <table className="datasets" data-testid="models-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Input</th>
              <th>Outputs</th>
              <th>Classes</th>
              <th>File</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {models.data.map((m) => {
              const others = m.inputs.filter((t) => t.name !== m.input?.tensor);
              return (
                <tr key={m.id} data-testid="model-row" style={{ verticalAlign: 'top' }}>
                  <td className="model-name" data-testid="model-name">
                    <RenameInline
                      value={m.name}
                      testId="model"
                      editing={renaming === m.id}
                      onEditingChange={(e) => setRenaming(e ? m.id : null)}
                      onRename={(name) => client.call('models.rename', { modelId: m.id, name })}
                    >
                      <span data-testid="model-name-text">{m.name}</span>
                    </RenameInline>{' '}
                    {m.toy ? (
                      <span
                        className="badge toy"
                        data-testid="model-toy"
                        title="a toy model: synthetic weights with a known answer, for trying Tessera out"
                      >
                        TOY
                      </span>
                    ) : null}
                  </td>
                  <td>{m.kind}</td>
                  <td>
                    <InputSpecView spec={m.input} tensor={m.inputs.find((t) => t.name === m.input?.tensor)} />
                    {others.length > 0 ? (
                      <div className="small muted">also: {others.map((t) => `${t.name} ${shapeText(t.shape)}`).join(', ')}</div>
                    ) : null}
                  </td>
                  <td className="small">
                    {m.outputs.map((t) => (
                      <div key={t.name}>
                        {t.name} <span className="muted">{shapeText(t.shape)}</span>
                      </div>
                    ))}
                  </td>
                  <td>{m.classes.length}</td>
                  <td
                    className="muted small"
                    data-testid="model-path"
                    title={`sha256 ${m.sha256}`}
                    style={{ overflowWrap: 'break-word', maxWidth: 320 }}
                  >
                    {pathWithBreaks(m.path)}
                  </td>
                  <td className="row-actions">
                    <button type="button" data-testid="model-rename" onClick={() => setRenaming(m.id)}>
                      Rename
                    </button>{' '}
                    <button type="button" className="danger" data-testid="model-delete" onClick={() => setDeleting(m.id)}>
                      Delete…
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
