import { useQuery } from '@tanstack/react-query';
import { apiQuery } from '../../api/queries';
import { ErrorBanner } from '../../components/ErrorBanner';
import { routeHref } from '../../router';

export function DatasetsPage(): React.JSX.Element {
  const { data, error, isPending } = useQuery(apiQuery('datasets.list', {}));
  if (error) return <ErrorBanner error={error} />;
  if (isPending) return <p className="muted">Loading datasets…</p>;
  if (data.length === 0) {
    return (
      <section className="empty">
        <h2>No datasets yet</h2>
        <p>
          Import one from a terminal: <code>npx tessera import folder DIR --masks DIR</code>
        </p>
      </section>
    );
  }
  return (
    <section>
      <h2>Datasets</h2>
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
