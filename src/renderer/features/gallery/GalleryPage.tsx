import { useQuery } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { methods, type ImageFilter } from '../../../shared';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { navigate, routeHref } from '../../router';
import { FilterBar } from './FilterBar';
import { SavedFilters } from './SavedFilters';
import { GalleryGrid } from './GalleryGrid';
import { SelectionBar } from './SelectionBar';
import { useGalleryItems, type GalleryItem, type GallerySort } from './galleryItems';

const SCORES_IN_CONTRACT = Object.prototype.hasOwnProperty.call(methods, 'metrics.perImage');

export function GalleryPage({ datasetId }: { datasetId: number }): React.JSX.Element {
  const dataset = useQuery(apiQuery('datasets.get', { datasetId }));
  const runs = useQuery(apiQuery('runs.list', { datasetId }));
  const tags = useQuery(apiQuery('tags.list', { datasetId }));
  // Classes are per dataset; any image's detail carries them.
  const first = useQuery(apiQuery('images.page', { datasetId, offset: 0, limit: 1 }));
  const firstId = first.data?.items[0]?.id;
  const sampleImage = useQuery({ ...apiQuery('images.get', { imageId: firstId ?? 0 }), enabled: firstId !== undefined });

  const [filter, setFilter] = useState<ImageFilter>({});
  const [sort, setSort] = useState<GallerySort>({ by: 'name' });
  const [visible, setVisible] = useState({ start: 0, end: 0 });
  const [focus, setFocus] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [anchor, setAnchor] = useState<number | null>(null);
  const items = useGalleryItems(datasetId, filter, sort, visible);
  const onVisibleRange = useCallback(
    (r: { start: number; end: number }) => setVisible((v) => (v.start === r.start && v.end === r.end ? v : r)),
    [],
  );

  const changeView = (f: ImageFilter, s: GallerySort): void => {
    setFilter(f);
    setSort(s);
    setFocus(0);
    setSelected(new Set());
    setAnchor(null);
  };
  const onToggle = (index: number, item: GalleryItem, extend: boolean): void => {
    const next = new Set(selected);
    if (extend && anchor !== null) {
      // Shift: select the loaded range between the last toggled tile and this one.
      for (let i = Math.min(anchor, index); i <= Math.max(anchor, index); i++) {
        const it = items.itemAt(i);
        if (it !== undefined) next.add(it.id);
      }
    } else if (next.has(item.id)) next.delete(item.id);
    else next.add(item.id);
    setSelected(next);
    setAnchor(index);
    setFocus(index);
  };
  const selectAll = async (): Promise<void> => setSelected(new Set(await client.call('images.ids', { datasetId, ...filter })));

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
        classes={sampleImage.data?.classes ?? []}
        runs={runList}
        scoresAvailable={SCORES_IN_CONTRACT}
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
        onOpen={(item) => navigate({ page: 'viewer', imageId: item.id })}
        focus={focus}
        onFocus={setFocus}
      />
    </section>
  );
}
