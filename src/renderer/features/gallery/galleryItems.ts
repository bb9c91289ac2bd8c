import { useQueries, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { ImageFilter, ImageReviewState } from '../../../shared';
import type { ImageSort } from '../../../shared/api/methods/images';
import { orderScored, unscoredImages } from '../../../shared/domain/imageOrder';
import { apiQuery } from '../../api/queries';

export const PAGE_SIZE = 200;

/** What a tile shows. A score-sorted view knows the id, name and score of an image until its summary arrives. */
export interface GalleryItem {
  id: number;
  fileName: string;
  /** Image size (name order carries it; score order does not). */
  width?: number;
  height?: number;
  hasGroundTruth?: boolean;
  reviewState?: ImageReviewState;
  tags?: readonly string[];
  score?: number | null;
}

export type GallerySort = ImageSort;

export interface GalleryItems {
  total: number | null;
  itemAt(index: number): GalleryItem | undefined;
  error: unknown;
}

/**
 * Name order: pages of 200 fetched as they scroll into view (only the pages covering `visible`, so a
 * 10,000-image dataset costs a few requests). Score order: the run's per-image scores
 * (metrics.perImage) sorted here and intersected with the filtered ids (images.ids).
 */
export function useGalleryItems(
  datasetId: number,
  filter: ImageFilter,
  sort: GallerySort,
  visible: { start: number; end: number },
): GalleryItems {
  const firstPage = Math.floor(visible.start / PAGE_SIZE);
  const lastPage = Math.floor(Math.max(visible.start, visible.end) / PAGE_SIZE);
  // Page 0 is always held: it carries the total, which must not flicker to "unknown" while a far page
  // loads (the grid would collapse to zero rows and lose its scroll position).
  const head = useQuery({ ...apiQuery('images.page', { datasetId, offset: 0, limit: PAGE_SIZE, ...filter }), enabled: sort.by === 'name' });
  const pageNumbers =
    sort.by === 'name' ? Array.from({ length: lastPage - firstPage + 1 }, (_, k) => firstPage + k).filter((p) => p > 0) : [];
  const pages = useQueries({
    queries: pageNumbers.map((p) => apiQuery('images.page', { datasetId, offset: p * PAGE_SIZE, limit: PAGE_SIZE, ...filter })),
  });
  const scores = useQuery({
    ...apiQuery('metrics.perImage', { datasetId, runId: sort.by === 'score' ? sort.runId : 0 }),
    enabled: sort.by === 'score',
  });
  const ids = useQuery({ ...apiQuery('images.ids', { datasetId, ...filter }), enabled: sort.by === 'score' });

  const scored = useMemo(() => {
    if (sort.by !== 'score' || scores.data === undefined || ids.data === undefined) return null;
    // The engine's images.neighbors orders with the same functions: previous/next follow these tiles.
    // Images the run has no score for (no ground truth, outside a subset run) come last, in name
    // order; their names arrive with their summaries.
    const rows: GalleryItem[] = orderScored(scores.data, new Set(ids.data), sort.order).map((r) => ({
      id: r.imageId,
      fileName: r.fileName,
      score: r.score,
    }));
    for (const id of unscoredImages(scores.data, ids.data)) rows.push({ id, fileName: '', score: null });
    return rows;
  }, [sort, scores.data, ids.data]);
  // The score list carries ids, names and scores: the tiles in view get their size, ground truth,
  // review state and tags from images.summaries, a page of 200 positions at a time.
  const scoredPages =
    scored === null
      ? []
      : Array.from({ length: lastPage - firstPage + 1 }, (_, k) => firstPage + k).filter((p) => p * PAGE_SIZE < scored.length);
  const summaryPages = useQueries({
    queries: scoredPages.map((p) =>
      apiQuery('images.summaries', { datasetId, imageIds: (scored ?? []).slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE).map((r) => r.id) }),
    ),
  });

  if (sort.by === 'score') {
    const summaries = new Map<number, GalleryItem>();
    for (const q of summaryPages) for (const s of q.data ?? []) summaries.set(s.id, s);
    return {
      total: scored?.length ?? null,
      itemAt(i) {
        const item = scored?.[i];
        if (item === undefined) return undefined;
        const summary = summaries.get(item.id);
        return summary === undefined ? item : { ...summary, score: item.score };
      },
      error: scores.error ?? ids.error,
    };
  }
  const byPage = new Map(pageNumbers.map((p, k) => [p, pages[k]?.data]));
  byPage.set(0, head.data);
  const total = head.data?.total ?? null;
  return {
    total,
    itemAt(i) {
      const page = byPage.get(Math.floor(i / PAGE_SIZE));
      return page?.items[i % PAGE_SIZE];
    },
    error: head.error ?? pages.find((q) => q.error)?.error ?? null,
  };
}
