import { Fragment, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { apiQuery } from '../../api/queries';
import { ErrorBanner } from '../../components/ErrorBanner';
import { routeHref } from '../../router';
import { ImportDialog } from '../imports';
import { client } from '../../api/client';
import { RunsManagePanel } from '../runs';
import { ClassesPanel } from './ClassesPanel';
import { ConfirmDelete } from './ConfirmDelete';
import { RenameInline } from './RenameInline';

export function DatasetsPage(): React.JSX.Element {
  const { data, error, isPending } = useQuery(apiQuery('datasets.list', {}));
  const [importing, setImporting] = useState(false);
  const [managing, setManaging] = useState<number | null>(null);
  const [deleting, setDeleting] = useState<number | null>(null);
  const [renaming, setRenaming] = useState<number | null>(null);
  // First child of both <section>s below, so the dialog keeps its job when the empty list fills.
  const dialog = importing ? <ImportDialog onClose={() => setImporting(false)} /> : null;
  const importButton = (
    <button type="button" data-testid="import-button" onClick={() => setImporting(true)}>
      Import dataset…
    </button>
  );
  if (error) return <ErrorBanner error={error} />;
  if (isPending) return <p className="muted">Loading datasets…</p>;
  if (data.length === 0) {
    return (
      <section className="empty">
        {dialog}
        <h2>No datasets yet</h2>
        <p>
          Import one from a terminal: <code>npx tessera import folder DIR --masks DIR</code>
        </p>
        {importButton}
      </section>
    );
  }
  return (
    <section>
      {dialog}
      {deleting !== null ? (
        <ConfirmDelete
          target={{ kind: 'dataset', id: deleting }}
          onClose={() => setDeleting(null)}
          onDeleted={() => setManaging((m) => (m === deleting ? null : m))}
        />
      ) : null}
      <h2>Datasets</h2>
      {importButton}
      <table className="datasets" data-testid="datasets-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Format</th>
            <th>Task</th>
            <th>Images</th>
            <th>Annotated</th>
            <th>Classes</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data.map((d) => (
            <Fragment key={d.id}>
              <tr data-testid="dataset-row" data-dataset={d.name}>
                <td>
                  <RenameInline
                    value={d.name}
                    testId="dataset"
                    editing={renaming === d.id}
                    onEditingChange={(e) => setRenaming(e ? d.id : null)}
                    onRename={(name) => client.call('datasets.rename', { datasetId: d.id, name })}
                  >
                    <a href={routeHref({ page: 'gallery', datasetId: d.id })}>{d.name}</a>
                  </RenameInline>
                </td>
                <td>{d.format}</td>
                <td>{d.task}</td>
                <td>{d.imageCount}</td>
                <td>{d.annotatedImageCount}</td>
                <td>{d.classCount}</td>
                <td className="row-actions">
                  <button type="button" data-testid="dataset-rename" onClick={() => setRenaming(d.id)}>
                    Rename
                  </button>{' '}
                  <button
                    type="button"
                    data-testid="dataset-manage"
                    aria-expanded={managing === d.id}
                    onClick={() => setManaging(managing === d.id ? null : d.id)}
                  >
                    {managing === d.id ? 'Close' : 'Classes & runs…'}
                  </button>{' '}
                  <button type="button" className="danger" data-testid="dataset-delete" onClick={() => setDeleting(d.id)}>
                    Delete…
                  </button>
                </td>
              </tr>
              {managing === d.id ? (
                <tr data-testid="dataset-manage-row">
                  <td colSpan={7}>
                    <div className="manage-panels">
                      <ClassesPanel datasetId={d.id} task={d.task} />
                      <RunsManagePanel datasetId={d.id} />
                    </div>
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
    </section>
  );
}
