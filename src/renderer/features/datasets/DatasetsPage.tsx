import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { apiQuery } from '../../api/queries';
import { ErrorBanner } from '../../components/ErrorBanner';
import { routeHref } from '../../router';
import { ImportDialog } from '../imports';

export function DatasetsPage(): React.JSX.Element {
  const { data, error, isPending } = useQuery(apiQuery('datasets.list', {}));
  const [importing, setImporting] = useState(false);
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
          </tr>
        </thead>
        <tbody>
          {data.map((d) => (
            <tr key={d.id} data-testid="dataset-row">
              <td>
                <a href={routeHref({ page: 'gallery', datasetId: d.id })}>{d.name}</a>
              </td>
              <td>{d.format}</td>
              <td>{d.task}</td>
              <td>{d.imageCount}</td>
              <td>{d.annotatedImageCount}</td>
              <td>{d.classCount}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
