import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { navigate, routeHref } from '../../router';

const PAGE_SIZE = 200;

export function GalleryPage({ datasetId }: { datasetId: number }): React.JSX.Element {
  const [offset, setOffset] = useState(0);
  const dataset = useQuery(apiQuery('datasets.get', { datasetId }));
  const page = useQuery(apiQuery('images.page', { datasetId, offset, limit: PAGE_SIZE }));
  if (dataset.isError) return <ErrorBanner error={dataset.error} />;
  if (page.isError) return <ErrorBanner error={page.error} />;
  if (page.isPending || dataset.isPending) return <p className="muted">Loading images…</p>;
  const { total, items } = page.data;
  return (
    <section>
      <header className="page-header">
        <a href={routeHref({ page: 'datasets' })}>Datasets</a> / <h2>{dataset.data.name}</h2>
        <span className="muted">
          {total} images · {dataset.data.annotatedImageCount} annotated
        </span>
      </header>
      <div className="gallery" data-testid="gallery">
        {items.map((img) => (
          <button
            key={img.id}
            className="tile"
            data-testid="gallery-item"
            title={img.fileName}
            onClick={() => navigate({ page: 'viewer', imageId: img.id })}
          >
            <img src={client.blobUrl({ kind: 'image', imageId: img.id })} alt={img.fileName} loading="lazy" decoding="async" />
            <span className="tile-name">
              {img.fileName}
              {img.hasGroundTruth ? <span className="badge" title="has ground truth">GT</span> : null}
            </span>
          </button>
        ))}
      </div>
      {total > PAGE_SIZE ? (
        <nav className="pager">
          <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
            Previous
          </button>
          <span>
            {offset + 1}–{Math.min(total, offset + PAGE_SIZE)} of {total}
          </span>
          <button disabled={offset + PAGE_SIZE >= total} onClick={() => setOffset(offset + PAGE_SIZE)}>
            Next
          </button>
        </nav>
      ) : null}
    </section>
  );
}
