import { useQuery } from '@tanstack/react-query';
import { apiQuery } from './api/queries';
import { useRoute } from './router';
import { DatasetsPage } from './features/datasets/DatasetsPage';
import { GalleryPage } from './features/gallery/GalleryPage';
import { ViewerPage } from './features/viewer/ViewerPage';

export function App(): React.JSX.Element {
  const route = useRoute();
  const info = useQuery(apiQuery('workspace.info', {}));
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">
          Tessera
        </a>
        <span className="muted workspace" title={info.data?.path}>
          {info.data?.path ?? ''}
        </span>
      </header>
      <main>
        {route.page === 'datasets' ? <DatasetsPage /> : null}
        {route.page === 'gallery' ? <GalleryPage key={route.datasetId} datasetId={route.datasetId} /> : null}
        {route.page === 'viewer' ? <ViewerPage key={route.imageId} imageId={route.imageId} /> : null}
      </main>
    </div>
  );
}
