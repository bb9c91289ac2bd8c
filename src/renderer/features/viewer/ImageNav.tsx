import { useQuery, useQueryClient } from '@tanstack/react-query';
import './viewer.css';
import { useEffect, useRef } from 'react';
import { apiQuery } from '../../api/queries';
import { annotateHref, parseGalleryView, useHashQuery, viewerHref } from '../gallery/galleryView';

export interface ImageNav {
  /** The gallery view this page was opened from (its URL query): filters, sort, overlay, scroll. */
  query: string;
  /** "12 of 240", "– of 240" (the image left the view, e.g. it was marked reviewed), or "" while loading. */
  position: string;
  previousId: number | null;
  nextId: number | null;
  /** Goes to the previous (-1) or next (+1) image; false at either end. */
  go(step: -1 | 1): boolean;
}

/** The keys a focused slider or list box moves its value with. */
const CONTROL_KEYS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown']);

/**
 * Whether `key` pressed in `target` is the control's own: every key of text entry; only the arrows,
 * Home/End and Page keys of a slider or a list box (and Space/Enter, which open a list box). Letters
 * pressed after a click on a slider or the run list still reach the page's shortcuts (J, K, G, ...).
 */
export function keysBelongTo(target: EventTarget | null, key: string): boolean {
  if (target instanceof HTMLInputElement) {
    if (['checkbox', 'radio', 'button', 'submit', 'reset'].includes(target.type)) return false;
    if (target.type === 'range' || target.type === 'color') return CONTROL_KEYS.has(key);
    return true;
  }
  if (target instanceof HTMLSelectElement) return CONTROL_KEYS.has(key) || key === ' ' || key === 'Enter';
  return target instanceof HTMLTextAreaElement || (target instanceof HTMLElement && target.isContentEditable);
}

/**
 * Previous / next image of the gallery view the page was opened from, in that view's filter and sort
 * (images.neighbors). Moving replaces the history entry, so Back returns to the gallery as it was left.
 */
export function useImageNav(imageId: number, datasetId: number | undefined, page: 'viewer' | 'annotate'): ImageNav {
  const query = useHashQuery();
  const view = parseGalleryView(query);
  const neighbors = useQuery({
    ...apiQuery('images.neighbors', { datasetId: datasetId ?? 0, imageId, sort: view.sort, ...view.filter }),
    enabled: datasetId !== undefined,
  });
  const qc = useQueryClient();
  const n = neighbors.data;
  // Fetch the neighbours' details and positions ahead: stepping through with the keyboard waits only for pixels.
  const ahead = JSON.stringify([view.sort, view.filter]);
  useEffect(() => {
    if (datasetId === undefined) return;
    const [sort, filter] = JSON.parse(ahead) as [typeof view.sort, typeof view.filter];
    for (const id of [n?.nextId, n?.previousId]) {
      if (id == null) continue;
      void qc.prefetchQuery(apiQuery('images.get', { imageId: id }));
      void qc.prefetchQuery(apiQuery('images.neighbors', { datasetId, imageId: id, sort, ...filter }));
    }
  }, [n?.nextId, n?.previousId, qc, datasetId, ahead]);
  const href = page === 'viewer' ? viewerHref : annotateHref;
  return {
    query,
    position: n === undefined ? '' : `${n.index === null ? '–' : n.index + 1} of ${n.total}`,
    previousId: n?.previousId ?? null,
    nextId: n?.nextId ?? null,
    go(step) {
      const to = step < 0 ? n?.previousId : n?.nextId;
      if (to == null) return false;
      window.location.replace(href(to, query));
      return true;
    },
  };
}

/** ‹ 12 of 240 › */
export function NavButtons({ nav }: { nav: ImageNav }): React.JSX.Element {
  return (
    <span className="image-nav" role="group" aria-label="Image navigation">
      <button data-testid="nav-prev" disabled={nav.previousId === null} onClick={() => nav.go(-1)} title="Previous image (← or K)">
        ‹ Prev
      </button>
      <span className="nav-position" data-testid="nav-position" title="Position in the gallery's current filter and sort">
        {nav.position}
      </span>
      <button data-testid="nav-next" disabled={nav.nextId === null} onClick={() => nav.go(1)} title="Next image (→ or J)">
        Next ›
      </button>
    </span>
  );
}

/** The navigation keys of the ? overlays. */
export const NAV_SHORTCUTS: ReadonlyArray<{ keys: string; what: string }> = [
  { keys: '→, J', what: 'next image (the gallery’s filter and sort)' },
  { keys: '←, K', what: 'previous image' },
];

/** ←/K and →/J step through the gallery view (Annotate; the viewer has its own key table). */
export function useNavKeys(nav: ImageNav): void {
  const latest = useRef(nav);
  latest.current = nav;
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey || keysBelongTo(e.target, e.key)) return;
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      const step = key === 'ArrowLeft' || key === 'k' ? -1 : key === 'ArrowRight' || key === 'j' ? 1 : 0;
      if (step === 0) return;
      e.preventDefault();
      latest.current.go(step);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
