import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import { percentText } from '../../../shared/domain/percent';
import { client } from '../../api/client';
import { useElementSize } from '../../canvas/useElementSize';
import type { GalleryItem } from './galleryItems';
import type { TileOverlay } from './galleryView';
import { TileMask } from './TileMask';

const MIN_TILE = 160;
const GAP = 10;
const ROW_HEIGHT = 150;

export interface GalleryGridProps {
  count: number;
  itemAt(index: number): GalleryItem | undefined;
  onVisibleRange(range: { start: number; end: number }): void;
  selected: ReadonlySet<number>;
  onToggle(index: number, item: GalleryItem, extend: boolean): void;
  onOpen(item: GalleryItem): void;
  focus: number;
  onFocus(index: number): void;
  /** Mask drawn over each thumbnail, with its colours (class LUT, background transparent). */
  overlay: TileOverlay;
  lut: Uint8ClampedArray;
  /** Referring queries per image id (referring datasets). */
  queries: ReadonlyMap<number, readonly string[]>;
  /** Scroll position to restore once (first tile of the first visible row, pixels into that row). */
  initialAnchor: { at: number; dy: number };
  /** Reports the scroll position as it changes (same shape). */
  onAnchor(anchor: { at: number; dy: number }): void;
}

/** A tile's score badge: the image's score in percent with one decimal (87.8), as scores are printed elsewhere; '—' when none. */
export function tileScoreText(score: number | null): string {
  return percentText(score, 1);
}

/** Columns that fit a width with tiles at least MIN_TILE wide. */
export function columnsFor(width: number): number {
  return Math.max(1, Math.floor((width + GAP) / (MIN_TILE + GAP)));
}

/**
 * The virtual gallery: only the rows in view (plus a few) exist in the DOM, so 10,000 images scroll
 * like 50. Keyboard: arrows move the focus, Page Up/Down a screenful, Home/End, Enter opens, Space
 * selects (Shift extends).
 */
export function GalleryGrid(p: GalleryGridProps): React.JSX.Element {
  const scroller = useRef<HTMLDivElement>(null);
  const size = useElementSize(scroller);
  const cols = columnsFor(size.w - 2);
  const rows = Math.ceil(p.count / cols);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 4,
  });
  const virtualRows = virtualizer.getVirtualItems();
  const first = virtualRows[0]?.index ?? 0;
  const last = virtualRows[virtualRows.length - 1]?.index ?? 0;
  const { onVisibleRange } = p;
  useEffect(
    () => onVisibleRange({ start: first * cols, end: Math.min(p.count - 1, (last + 1) * cols - 1) }),
    [first, last, cols, p.count, onVisibleRange],
  );

  // Restore the scroll position once the rows exist (the total is known and the width gives the columns).
  const restored = useRef(false);
  const { initialAnchor, onAnchor } = p;
  useEffect(() => {
    const el = scroller.current;
    if (restored.current || el === null || size.w === 0 || p.count === 0) return;
    restored.current = true;
    const row = Math.floor(Math.min(initialAnchor.at, p.count - 1) / cols);
    el.scrollTop = row * ROW_HEIGHT + Math.min(initialAnchor.dy, ROW_HEIGHT - 1);
  }, [size.w, p.count, cols, initialAnchor]);
  const onScroll = (): void => {
    const el = scroller.current;
    if (el === null || !restored.current) return;
    const row = Math.floor(el.scrollTop / ROW_HEIGHT);
    onAnchor({ at: row * cols, dy: Math.round(el.scrollTop - row * ROW_HEIGHT) });
  };

  const move = (to: number): void => {
    const next = Math.max(0, Math.min(p.count - 1, to));
    p.onFocus(next);
    // Keep the focused row in view (scroll as little as possible), computed directly from the fixed row height.
    const el = scroller.current;
    if (el === null) return;
    const top = Math.floor(next / cols) * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  };
  const onKeyDown = (e: React.KeyboardEvent): void => {
    const pageRows = Math.max(1, Math.floor((size.h || ROW_HEIGHT) / ROW_HEIGHT));
    const steps: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: cols,
      ArrowUp: -cols,
      PageDown: cols * pageRows,
      PageUp: -cols * pageRows,
    };
    const step = steps[e.key];
    if (step !== undefined) move(p.focus + step);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(p.count - 1);
    else if (e.key === 'Enter') {
      const item = p.itemAt(p.focus);
      if (item !== undefined) p.onOpen(item);
    } else if (e.key === ' ') {
      const item = p.itemAt(p.focus);
      if (item !== undefined) p.onToggle(p.focus, item, e.shiftKey);
    } else return;
    e.preventDefault();
  };

  const tileWidth = (size.w - 2 - GAP * (cols - 1)) / cols;
  return (
    <div
      className="gallery-scroll"
      ref={scroller}
      tabIndex={0}
      role="grid"
      aria-label="Images"
      data-testid="gallery"
      onKeyDown={onKeyDown}
      onScroll={onScroll}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualRows.map((row) => (
          <div
            key={row.key}
            role="row"
            className="gallery-row"
            style={{ position: 'absolute', top: row.start, left: 0, right: 0, height: ROW_HEIGHT - GAP, display: 'flex', gap: GAP }}
          >
            {Array.from({ length: cols }, (_, c) => {
              const index = row.index * cols + c;
              if (index >= p.count) return null;
              const item = p.itemAt(index);
              return (
                <Tile
                  key={c}
                  index={index}
                  item={item}
                  width={tileWidth}
                  focused={index === p.focus}
                  selected={item !== undefined && p.selected.has(item.id)}
                  onToggle={(extend) => item !== undefined && p.onToggle(index, item, extend)}
                  onOpen={() => item !== undefined && p.onOpen(item)}
                  overlay={p.overlay}
                  lut={p.lut}
                  queries={item === undefined ? undefined : p.queries.get(item.id)}
                />
              );
            })}
          </div>
        ))}
      </div>
    </div>
  );
}

function Tile(t: {
  index: number;
  item: GalleryItem | undefined;
  width: number;
  focused: boolean;
  selected: boolean;
  onToggle(extend: boolean): void;
  onOpen(): void;
  overlay: TileOverlay;
  lut: Uint8ClampedArray;
  queries: readonly string[] | undefined;
}): React.JSX.Element {
  const item = t.item;
  if (item === undefined) return <div className="tile placeholder" style={{ width: t.width }} />;
  const queries = t.queries ?? [];
  const title = queries.length === 0 ? item.fileName : `${item.fileName}\n${queries.map((q) => `“${q}”`).join('\n')}`;
  return (
    <div
      role="gridcell"
      className={`tile${t.focused ? ' focused' : ''}${t.selected ? ' selected' : ''}`}
      style={{ width: t.width }}
      data-testid="gallery-item"
      data-image-id={item.id}
      data-index={t.index}
      title={title}
      onClick={(e) => (e.ctrlKey || e.metaKey || e.shiftKey ? t.onToggle(e.shiftKey) : t.onOpen())}
    >
      <div className="tile-thumb">
        <img
          src={client.blobUrl({ kind: 'thumb', imageId: item.id })}
          alt={item.fileName}
          loading="lazy"
          decoding="async"
          draggable={false}
        />
        {/* An image without ground truth has nothing labelled: its map (all ignore) is not drawn. */}
        {t.overlay.kind !== 'none' && !(t.overlay.kind === 'gt' && item.hasGroundTruth === false) ? (
          <TileMask imageId={item.id} width={item.width} height={item.height} overlay={t.overlay} lut={t.lut} />
        ) : null}
        {queries.length > 0 ? (
          <span className="tile-query" data-testid="tile-query">
            “{queries[0]}”{queries.length > 1 ? <span className="tile-query-more"> +{queries.length - 1}</span> : null}
          </span>
        ) : null}
      </div>
      <input
        type="checkbox"
        className="tile-select"
        data-testid="tile-select"
        aria-label={`select ${item.fileName}`}
        checked={t.selected}
        onClick={(e) => e.stopPropagation()}
        onChange={(e) => t.onToggle((e.nativeEvent as MouseEvent).shiftKey === true)}
      />
      {/* The file name has its own line (whole up to the tile's width); the badges and tags the line under it. */}
      <span className="tile-name">
        <span className="tile-file" data-testid="tile-file">
          {item.fileName}
        </span>
      </span>
      <span className="tile-meta">
        {item.score !== undefined ? (
          <span
            className="badge score"
            data-testid="tile-score"
            title={
              item.score === null
                ? 'no score from the sort run: the image has no ground truth, no pixel of any class in ground truth or prediction, or the run did not cover it'
                : "the sort run's score of this image, in percent (0-100, as Benchmarks and tessera eval print scores): its mIoU (mean IoU over the classes with a non-empty union in it; a class filter does not change it) or, for a referring query, its IoU"
            }
          >
            {tileScoreText(item.score)}
          </span>
        ) : null}
        {item.hasGroundTruth === true ? (
          <span className="badge" title="has ground truth">
            GT
          </span>
        ) : null}
        {item.reviewState !== undefined && item.reviewState !== 'unreviewed' ? (
          <span className={`badge review-${item.reviewState}`} data-testid="tile-review">
            {item.reviewState}
          </span>
        ) : null}
        {item.tags !== undefined && item.tags.length > 0 ? (
          <span className="tile-tags" data-testid="tile-tags" title={item.tags.join(', ')}>
            {item.tags.join(', ')}
          </span>
        ) : null}
      </span>
    </div>
  );
}
