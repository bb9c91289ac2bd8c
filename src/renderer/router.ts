import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'datasets' }
  | { page: 'gallery'; datasetId: number }
  | { page: 'benchmarks'; datasetId: number }
  | { page: 'viewer'; imageId: number }
  | { page: 'annotate'; imageId: number }
  | { page: 'compare'; datasetId: number; imageId: number | null; runA: number | null; runB: number | null }
  | { page: 'jobs' }
  | { page: 'models' }
  | { page: 'notFound'; hash: string };

function positiveInt(s: string | null | undefined): number | null {
  const n = Number(s);
  return s != null && s !== '' && Number.isInteger(n) && n > 0 ? n : null;
}

/**
 * Hash routes keep the page's query string (the server token) untouched: #/, #/datasets/1, #/images/7,
 * #/compare/1?image=7&a=2&b=3, #/jobs, #/models.
 */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/');
  const params = new URLSearchParams(query);
  const id = parts.length === 2 ? Number(parts[1]) : NaN; // #/datasets/1/benchmarks is no page: Not found
  if (parts[0] === 'datasets' && Number.isInteger(id) && id > 0) return { page: 'gallery', datasetId: id };
  if (parts[0] === 'benchmarks' && Number.isInteger(id) && id > 0) return { page: 'benchmarks', datasetId: id };
  if (parts[0] === 'images' && Number.isInteger(id) && id > 0) return { page: 'viewer', imageId: id };
  if (parts[0] === 'annotate' && Number.isInteger(id) && id > 0) return { page: 'annotate', imageId: id };
  if (parts[0] === 'compare' && Number.isInteger(id) && id > 0) {
    return {
      page: 'compare',
      datasetId: id,
      imageId: positiveInt(params.get('image')),
      runA: positiveInt(params.get('a')),
      runB: positiveInt(params.get('b')),
    };
  }
  if (parts[0] === 'jobs' && parts.length === 1) return { page: 'jobs' };
  if (parts[0] === 'models' && parts.length === 1) return { page: 'models' };
  if (path === '' || (parts[0] === 'datasets' && parts.length === 1)) return { page: 'datasets' };
  return { page: 'notFound', hash: hash === '' ? '#/' : hash };
}

export function routeHref(route: Route): string {
  switch (route.page) {
    case 'datasets':
      return '#/';
    case 'gallery':
      return `#/datasets/${route.datasetId}`;
    case 'benchmarks':
      return `#/benchmarks/${route.datasetId}`;
    case 'viewer':
      return `#/images/${route.imageId}`;
    case 'annotate':
      return `#/annotate/${route.imageId}`;
    case 'compare': {
      const q = new URLSearchParams();
      if (route.imageId !== null) q.set('image', String(route.imageId));
      if (route.runA !== null) q.set('a', String(route.runA));
      if (route.runB !== null) q.set('b', String(route.runB));
      const qs = q.toString();
      return `#/compare/${route.datasetId}${qs === '' ? '' : `?${qs}`}`;
    }
    case 'jobs':
      return '#/jobs';
    case 'models':
      return '#/models';
    case 'notFound':
      return route.hash;
  }
}

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}

export function navigate(route: Route): void {
  window.location.hash = routeHref(route);
}
