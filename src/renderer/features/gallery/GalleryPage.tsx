import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { methods, type ImageFilter } from '../../../shared';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { parseRoute, routeHref } from '../../router';
import { classLut } from '../../canvas/raster/maskToRgba';
import { FilterBar } from './FilterBar';
import { SavedFilters } from './SavedFilters';
import { GalleryGrid } from './GalleryGrid';
import { SelectionBar } from './SelectionBar';
import { useGalleryItems, type GalleryItem, type GallerySort } from './galleryItems';
import { galleryHref, galleryViewQuery, hashQuery, parseGalleryView, replaceHash, viewerHref, type TileOverlay } from './galleryView';
import './gallery.css';

const SCORES_IN_CONTRACT = Object.prototype.hasOwnProperty.call(methods, 'metrics.perImage');
const NO_QUERIES: ReadonlyMap<number, readonly string[]> = new Map();

export function GalleryPage({ datasetId }: { datasetId: number }): React.JSX.Element {
  const dataset = useQuery(apiQuery('datasets.get', { datasetId }));
  const runs = useQuery(apiQuery('runs.list', { datasetId }));
  const tags = useQuery(apiQuery('tags.list', { datasetId }));
  // Classes are per dataset; any image's detail carries them.
  const first = useQuery(apiQuery('images.page', { datasetId, offset: 0, limit: 1 }));
  const firstId = first.data?.items[0]?.id;
  const sampleImage = useQuery({ ...apiQuery('images.get', { imageId: firstId ?? 0 }), enabled: firstId !== undefined });

  // The view lives in the URL: read once when the page opens (Back from an image, a reload, a link).
  const [initial] = useState(() => parseGalleryView(hashQuery()));
  const [filter, setFilter] = useState<ImageFilter>(initial.filter);
  const [sort, setSort] = useState<GallerySort>(initial.sort);
  const [overlay, setOverlay] = useState<TileOverlay>(initial.overlay);
  const anchor = useRef({ at: initial.at, dy: initial.dy });
  const [visible, setVisible] = useState({ start: 0, end: 0 });
  const [focus, setFocus] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [shiftAnchor, setShiftAnchor] = useState<number | null>(null);
  const items = useGalleryItems(datasetId, filter, sort, visible);
  const onVisibleRange = useCallback(
    (r: { start: number; end: number }) => setVisible((v) => (v.start === r.start && v.end === r.end ? v : r)),
    [],
  );

  const viewQuery = useCallback(
    () => galleryViewQuery({ filter, sort, overlay, at: anchor.current.at, dy: anchor.current.dy }),
    [filter, sort, overlay],
  );
  // Filters, sort and overlay rewrite this history entry at once; scrolling a moment after it stops.
  useEffect(() => replaceHash(galleryHref(datasetId, viewQuery())), [datasetId, viewQuery]);
  // Those rewrites fire no hashchange: one is a view asked for from outside (a link pasted into this
  // tab, Back/Forward between two views of this gallery), which the gallery shows.
  useEffect(() => {
    const onHash = (): void => {
      const route = parseRoute(window.location.hash);
      if (route.page !== 'gallery' || route.datasetId !== datasetId) return;
      const next = parseGalleryView(hashQuery());
      anchor.current = { at: next.at, dy: next.dy };
      setFilter(next.filter);
      setSort(next.sort);
      setOverlay(next.overlay);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [datasetId]);
  const scrollTimer = useRef<number | null>(null);
  const writeNow = useCallback((): void => {
    if (scrollTimer.current !== null) window.clearTimeout(scrollTimer.current);
    scrollTimer.current = null;
    replaceHash(galleryHref(datasetId, viewQuery()));
  }, [datasetId, viewQuery]);
  useEffect(
    () => () => {
      if (scrollTimer.current !== null) window.clearTimeout(scrollTimer.current);
    },
    [],
  );
  const onAnchor = useCallback(
    (a: { at: number; dy: number }): void => {
      anchor.current = a;
      if (scrollTimer.current !== null) window.clearTimeout(scrollTimer.current);
      scrollTimer.current = window.setTimeout(writeNow, 200);
    },
    [writeNow],
  );
  const initialAnchor = useMemo(() => ({ at: initial.at, dy: initial.dy }), [initial]);

  const classes = sampleImage.data?.classes;
  const lut = useMemo(() => {
    const l = classLut((classes ?? []).map((c) => ({ index: c.index, color: c.color })));
    l.fill(0, 255 * 4); // ignore: transparent on a tile
    return l;
  }, [classes]);

  // Referring datasets: the queries of the tiles in view.
  const referring = dataset.data?.task === 'referring';
  const visibleIds = useMemo(() => {
    const out: number[] = [];
    for (let i = visible.start; i <= visible.end && out.length < 1000; i++) {
      const it = items.itemAt(i);
      if (it !== undefined) out.push(it.id);
    }
    return out;
  }, [items, visible]);
  const queries = useQuery({
    ...apiQuery('images.queries', { datasetId, imageIds: visibleIds }),
    enabled: referring && visibleIds.length > 0,
    placeholderData: (prev) => prev,
  });
  const queryMap = useMemo(
    () => (queries.data === undefined ? NO_QUERIES : new Map(queries.data.map((q) => [q.imageId, q.queries]))),
    [queries.data],
  );

  const changeView = (f: ImageFilter, s: GallerySort): void => {
    setFilter(f);
    setSort(s);
    setFocus(0);
    setSelected(new Set());
    setShiftAnchor(null);
    anchor.current = { at: 0, dy: 0 };
  };
  const onToggle = (index: number, item: GalleryItem, extend: boolean): void => {
    const next = new Set(selected);
    if (extend && shiftAnchor !== null) {
      // Shift: select the loaded range between the last toggled tile and this one.
      for (let i = Math.min(shiftAnchor, index); i <= Math.max(shiftAnchor, index); i++) {
        const it = items.itemAt(i);
        if (it !== undefined) next.add(it.id);
      }
    } else if (next.has(item.id)) next.delete(item.id);
    else next.add(item.id);
    setSelected(next);
    setShiftAnchor(index);
    setFocus(index);
  };
  const selectAll = async (): Promise<void> => setSelected(new Set(await client.call('images.ids', { datasetId, ...filter })));
  const open = (item: GalleryItem): void => {
    // This entry keeps the exact view (Back restores it); the viewer carries it for previous/next.
    writeNow();
    window.location.hash = viewerHref(item.id, viewQuery());
  };

  if (dataset.isError) return <ErrorBanner error={dataset.error} />;
  if (dataset.isPending) return <p className="muted">Loading images…</p>;
  const runList = runs.data ?? [];
  return (
    <section className="gallery-page">
      <header className="page-header">
        <a href={routeHref({ page: 'datasets' })}>Datasets</a> / <h2>{dataset.data.name}</h2>
        <span className="muted" data-testid="gallery-count">
          {items.total ?? '…'} of {dataset.data.imageCount} images · {dataset.data.annotatedImageCount} annotated
        </span>
        {runList.length >= 2 ? (
          <a
            className="button"
            data-testid="open-compare"
            href={routeHref({ page: 'compare', datasetId, imageId: null, runA: null, runB: null })}
          >
            Compare runs
          </a>
        ) : null}
        {runList.length >= 1 ? (
          <a className="button" data-testid="open-benchmarks" href={routeHref({ page: 'benchmarks', datasetId })}>
            Benchmarks
          </a>
        ) : null}
      </header>
      <FilterBar
        filter={filter}
        onFilter={(f) => changeView(f, sort)}
        sort={sort}
        onSort={(s) => changeView(filter, s)}
        tags={(tags.data ?? []).map((t) => t.name)}
        classes={classes ?? []}
        runs={runList}
        scoresAvailable={SCORES_IN_CONTRACT}
        overlay={overlay}
        onOverlay={setOverlay}
      />
      <SavedFilters datasetId={datasetId} filter={filter} onApply={(f) => changeView(f, sort)} />
      <SelectionBar
        selected={[...selected]}
        total={items.total ?? 0}
        onClear={() => setSelected(new Set())}
        onSelectAll={() => void selectAll()}
      />
      {items.error ? <ErrorBanner error={items.error} /> : null}
      {items.total === 0 ? <p className="muted">No images match these filters.</p> : null}
      <GalleryGrid
        count={items.total ?? 0}
        itemAt={items.itemAt}
        onVisibleRange={onVisibleRange}
        selected={selected}
        onToggle={onToggle}
        onOpen={open}
        focus={focus}
        onFocus={setFocus}
        overlay={overlay}
        lut={lut}
        queries={queryMap}
        initialAnchor={initialAnchor}
        onAnchor={onAnchor}
      />
    </section>
  );
}
