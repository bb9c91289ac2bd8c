import { useQuery } from '@tanstack/react-query';
import { apiQuery } from './api/queries';
import { routeHref, useRoute } from './router';
import { DatasetsPage } from './features/datasets/DatasetsPage';
import { GalleryPage } from './features/gallery/GalleryPage';
import { BenchmarksPage } from './features/benchmarks/BenchmarksPage';
import { ViewerPage } from './features/viewer/ViewerPage';
import { AnnotatePage } from './features/annotate';
import { ComparePage } from './features/compare/ComparePage';
import { JobsPage } from './features/jobs/JobsPage';
import { ModelsPage } from './features/models/ModelsPage';
import { HomeIntro, NotFoundPage } from './features/home/HomePage';

export function App(): React.JSX.Element {
  const route = useRoute();
  const info = useQuery(apiQuery('workspace.info', {}));
  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/">
          Tessera
        </a>
        <nav className="topnav">
          <a href={routeHref({ page: 'datasets' })} data-testid="nav-datasets">
            Datasets
          </a>
          <a href={routeHref({ page: 'models' })} data-testid="nav-models">
            Models
          </a>
          <a href={routeHref({ page: 'jobs' })} data-testid="nav-jobs">
            Jobs
          </a>
        </nav>
        <span className="muted workspace" title={info.data?.path}>
          {info.data?.path ?? ''}
        </span>
      </header>
      <main>
        {route.page === 'datasets' ? (
          <>
            <HomeIntro />
            <DatasetsPage />
          </>
        ) : null}
        {route.page === 'gallery' ? <GalleryPage key={route.datasetId} datasetId={route.datasetId} /> : null}
        {route.page === 'benchmarks' ? <BenchmarksPage key={route.datasetId} datasetId={route.datasetId} /> : null}
        {route.page === 'viewer' ? <ViewerPage key={route.imageId} imageId={route.imageId} /> : null}
        {route.page === 'annotate' ? <AnnotatePage key={route.imageId} imageId={route.imageId} /> : null}
        {route.page === 'compare' ? <ComparePage key={route.datasetId} route={route} /> : null}
        {route.page === 'jobs' ? <JobsPage /> : null}
        {route.page === 'models' ? <ModelsPage /> : null}
        {route.page === 'notFound' ? <NotFoundPage hash={route.hash} /> : null}
      </main>
    </div>
  );
}
