import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'datasets' }
  | { page: 'gallery'; datasetId: number }
  | { page: 'viewer'; imageId: number };

/** Hash routes keep the page's query string (the server token) untouched: #/, #/datasets/1, #/images/7 */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const id = Number(parts[1]);
  if (parts[0] === 'datasets' && Number.isInteger(id) && id > 0) return { page: 'gallery', datasetId: id };
  if (parts[0] === 'images' && Number.isInteger(id) && id > 0) return { page: 'viewer', imageId: id };
  return { page: 'datasets' };
}

export function routeHref(route: Route): string {
  switch (route.page) {
    case 'datasets':
      return '#/';
    case 'gallery':
      return `#/datasets/${route.datasetId}`;
    case 'viewer':
      return `#/images/${route.imageId}`;
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
