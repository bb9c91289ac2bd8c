import { useSyncExternalStore } from 'react';
import type { ImageFilter, ImageReviewState } from '../../../shared';
import type { ImageSort } from '../../../shared/api/methods/images';

/** What a tile draws over its thumbnail: nothing, the ground truth, or a run's prediction. */
export type TileOverlay = { kind: 'none' } | { kind: 'gt' } | { kind: 'pred'; runId: number };

/**
 * Everything that makes the gallery look the way it does, kept in the URL (#/datasets/1?tag=hard&sort=asc:3&at=240&dy=37)
 * so Back from an image, a reload or a shared link shows the same images, order, overlay and scroll.
 * The viewer and Annotate carry the same query: their previous/next follow this view.
 */
export interface GalleryView {
  filter: ImageFilter;
  sort: ImageSort;
  overlay: TileOverlay;
  /** Scroll anchor: index of the first tile of the first visible row, and the pixels scrolled into that row. */
  at: number;
  dy: number;
}

const REVIEW: readonly ImageReviewState[] = ['unreviewed', 'in-review', 'reviewed', 'rejected'];

function int(s: string | null, min: number): number | null {
  if (s === null || !/^\d{1,9}$/.test(s)) return null;
  const n = Number(s);
  return n >= min ? n : null;
}

export function parseGalleryView(query: string): GalleryView {
  const q = new URLSearchParams(query);
  const filter: ImageFilter = {};
  const tag = q.get('tag');
  if (tag !== null && tag !== '' && tag.length <= 100) filter.tag = tag;
  const review = q.get('review');
  if (review !== null && (REVIEW as readonly string[]).includes(review)) filter.reviewState = review as ImageReviewState;
  const gt = q.get('gt');
  if (gt === '1' || gt === '0') filter.hasGroundTruth = gt === '1';
  const cls = int(q.get('class'), 0);
  if (cls !== null && cls <= 255) filter.classPresent = cls;
  const run = int(q.get('run'), 1);
  if (run !== null) filter.runId = run;
  let sort: ImageSort = { by: 'name' };
  const m = /^(asc|desc):(\d{1,9})$/.exec(q.get('sort') ?? '');
  if (m !== null && Number(m[2]) > 0) sort = { by: 'score', runId: Number(m[2]), order: m[1] === 'desc' ? 'desc' : 'asc' };
  let overlay: TileOverlay = { kind: 'none' };
  const o = q.get('overlay') ?? '';
  const pm = /^pred:(\d{1,9})$/.exec(o);
  if (o === 'gt') overlay = { kind: 'gt' };
  else if (pm !== null && Number(pm[1]) > 0) overlay = { kind: 'pred', runId: Number(pm[1]) };
  return { filter, sort, overlay, at: int(q.get('at'), 0) ?? 0, dy: int(q.get('dy'), 0) ?? 0 };
}

/** The query string of a view (no leading "?"); defaults are left out, so a plain gallery has none. */
export function galleryViewQuery(v: GalleryView): string {
  const q = new URLSearchParams();
  if (v.filter.tag !== undefined) q.set('tag', v.filter.tag);
  if (v.filter.reviewState !== undefined) q.set('review', v.filter.reviewState);
  if (v.filter.hasGroundTruth !== undefined) q.set('gt', v.filter.hasGroundTruth ? '1' : '0');
  if (v.filter.classPresent !== undefined) q.set('class', String(v.filter.classPresent));
  if (v.filter.runId !== undefined) q.set('run', String(v.filter.runId));
  if (v.sort.by === 'score') q.set('sort', `${v.sort.order}:${v.sort.runId}`);
  if (v.overlay.kind === 'gt') q.set('overlay', 'gt');
  if (v.overlay.kind === 'pred') q.set('overlay', `pred:${v.overlay.runId}`);
  if (v.at > 0) q.set('at', String(v.at));
  if (v.dy > 0) q.set('dy', String(Math.round(v.dy)));
  return q.toString();
}

/** The query part of the current hash route (#/images/7?tag=x -> "tag=x"). */
export function hashQuery(hash: string = window.location.hash): string {
  const i = hash.indexOf('?');
  return i < 0 ? '' : hash.slice(i + 1);
}

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

/** The gallery context the current page was opened with (the viewer's and Annotate's query). */
export function useHashQuery(): string {
  return useSyncExternalStore(subscribe, () => hashQuery());
}

function withQuery(path: string, query: string): string {
  return query === '' ? path : `${path}?${query}`;
}

export const galleryHref = (datasetId: number, query: string): string => withQuery(`#/datasets/${datasetId}`, query);
export const viewerHref = (imageId: number, query: string): string => withQuery(`#/images/${imageId}`, query);
export const annotateHref = (imageId: number, query: string): string => withQuery(`#/annotate/${imageId}`, query);

/** Rewrites the current history entry's hash without a new entry (filters, scroll: Back skips them). */
export function replaceHash(hash: string): void {
  if (window.location.hash === hash) return;
  window.history.replaceState(window.history.state, '', hash);
}
