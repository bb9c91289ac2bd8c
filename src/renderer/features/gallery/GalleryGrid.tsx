import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import { client } from '../../api/client';
import { useElementSize } from '../../canvas/useElementSize';
import type { GalleryItem } from './galleryItems';

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
    <div className="gallery-scroll" ref={scroller} tabIndex={0} role="grid" aria-label="Images" data-testid="gallery" onKeyDown={onKeyDown}>
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
}): React.JSX.Element {
  const item = t.item;
  if (item === undefined) return <div className="tile placeholder" style={{ width: t.width }} />;
  return (
    <div
      role="gridcell"
      className={`tile${t.focused ? ' focused' : ''}${t.selected ? ' selected' : ''}`}
      style={{ width: t.width }}
      data-testid="gallery-item"
      data-image-id={item.id}
      data-index={t.index}
      title={item.fileName}
      onClick={(e) => (e.ctrlKey || e.metaKey || e.shiftKey ? t.onToggle(e.shiftKey) : t.onOpen())}
    >
      <img
        src={client.blobUrl({ kind: 'thumb', imageId: item.id })}
        alt={item.fileName}
        loading="lazy"
        decoding="async"
        draggable={false}
      />
      <input
        type="checkbox"
        className="tile-select"
        data-testid="tile-select"
        aria-label={`select ${item.fileName}`}
        checked={t.selected}
        onClick={(e) => e.stopPropagation()}
        onChange={(e) => t.onToggle((e.nativeEvent as MouseEvent).shiftKey === true)}
      />
      <span className="tile-name">
        <span className="tile-file">{item.fileName}</span>
        {item.score !== undefined ? (
          <span className="badge score" data-testid="tile-score">
            {item.score === null ? '—' : item.score.toFixed(3)}
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
      </span>
      {item.tags !== undefined && item.tags.length > 0 ? (
        <span className="tile-tags" data-testid="tile-tags">
          {item.tags.join(', ')}
        </span>
      ) : null}
    </div>
  );
}
