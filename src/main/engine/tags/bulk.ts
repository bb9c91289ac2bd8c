/**
 * Tag and review-state changes of up to the schema's 100,000 ids, written in slices. One transaction
 * for a whole list held the engine's event loop for its length (100k ids: ~0.65 s, the id checks
 * half of it), and `tessera serve` answered nothing meanwhile. Now the ids are checked a chunk at a
 * time in one statement each, and the rows written with datasets/slicedWrite.ts's writeInSlices:
 * transactions of ~25 ms, the event loop free between them.
 *
 * Each call stays all or nothing for its caller: every id is checked before the first write (an
 * unknown one fails the call with nothing written), and a slice that fails (a full disk, an I/O
 * error, a cancel) is rolled back by SQLite while the slices before it are undone here, from what
 * each committed slice records it changed (the links it made or removed, each image's earlier
 * review state), again in slices. The undo puts back only what this call changed: a link another
 * call made meanwhile stays, and an earlier review state comes back only where the state is still
 * the one this call set.
 *
 * What this gives up against one transaction (chosen over a migration that would hide half-made
 * links from every tag read): other readers may see a change part-way for the ~0.1-0.5 s it takes,
 * and a process killed between two slices leaves the slices written so far (each is a valid state;
 * nothing is half-written within a row).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ApiError } from '../../../shared/api/errors';
import type { ReviewState } from '../../../shared/api/methods/tags';
import type { EngineDeps } from '../deps';
import { writeInSlices } from '../datasets/slicedWrite';

/** Ids checked in one statement (~2 ms each here for 5,000), the event loop free between chunks. */
const CHECK_CHUNK = 5_000;

type Target = readonly ['image' | 'sample', number];

/** Throws NOT_FOUND naming the first unknown image, then sample (and how many more), before anything is written. */
export async function requireRows(deps: EngineDeps, imageIds: readonly number[], sampleIds: readonly number[]): Promise<void> {
  for (const [table, ids, what] of [
    ['images', imageIds, 'image'],
    ['samples', sampleIds, 'sample'],
  ] as const) {
    const missing: number[] = [];
    for (let at = 0; at < ids.length; at += CHECK_CHUNK) {
      if (at > 0) await nextTurn();
      missing.push(...deps.repos.tags.missingAmong(table, ids.slice(at, at + CHECK_CHUNK)));
    }
    if (missing.length > 0)
      throw new ApiError('NOT_FOUND', `${what} ${missing[0]} not found${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`);
  }
}

/**
 * Writes `items` in slices, each recording what it changed (`change` returns the record, or
 * undefined for no change); on a failure undoes the committed slices' records with `undo` (newest
 * first) and rethrows. Returns the records of the changes made.
 */
async function atomicSlices<T, R>(
  deps: EngineDeps,
  items: readonly T[],
  change: (item: T) => R | undefined,
  undo: (record: R) => void,
  signal: AbortSignal,
  what: string,
): Promise<R[]> {
  const records: Array<{ index: number; record: R }> = [];
  let committed = 0;
  let finished = false;
  try {
    await writeInSlices(
      deps.db,
      items,
      (item, index) => {
        const record = change(item);
        if (record !== undefined) records.push({ index, record });
      },
      signal,
      (done) => {
        committed = done;
      },
    );
    finished = true;
    return records.map((r) => r.record);
  } catch (err) {
    // The failed slice was rolled back; what the slices before it wrote is taken back.
    const made = records.filter((r) => r.index < committed).reverse();
    try {
      await writeInSlices(deps.db, made, (r) => undo(r.record), new AbortController().signal);
    } catch (undoErr) {
      deps.logger.error(`${what}: undoing ${made.length} change(s) after a failure failed too`, undoErr);
      const reason = err instanceof Error ? err.message : String(err);
      const undoReason = undoErr instanceof Error ? undoErr.message : String(undoErr);
      throw new ApiError(
        'IO_ERROR',
        `${what} failed (${reason}) and taking back its first ${committed} item(s) failed too (${undoReason}); some of the change is still applied: run it again, or undo it, once the cause is fixed`,
      );
    }
    throw err;
  } finally {
    // Announced as before (galleries and tag lists refetch), and after an undo too: a reader may have seen slices.
    if (finished || committed > 0) deps.events.emit('data.changed', { topics: ['tags', 'images'] });
  }
}

const targets = (imageIds: readonly number[], sampleIds: readonly number[]): Target[] => [
  ...imageIds.map((id): Target => ['image', id]),
  ...sampleIds.map((id): Target => ['sample', id]),
];

/** tags.apply: the tag (made when new) on every listed image and sample; how many links are new. */
export async function applyTag(
  deps: EngineDeps,
  tag: string,
  imageIds: readonly number[],
  sampleIds: readonly number[],
  signal: AbortSignal,
): Promise<{ tagId: number; applied: number }> {
  const tags = deps.repos.tags;
  await requireRows(deps, imageIds, sampleIds);
  const existing = tags.idOf(tag);
  const tagId = existing ?? deps.db.transaction(() => tags.ensure(tag))();
  try {
    const made = await atomicSlices(
      deps,
      targets(imageIds, sampleIds),
      ([kind, id]) => (tags.linkOne(kind, id, tagId) === 1 ? ([kind, id] as Target) : undefined),
      ([kind, id]) => tags.unlinkOne(kind, id, tagId),
      signal,
      'tags.apply',
    );
    return { tagId, applied: made.length };
  } catch (err) {
    if (existing === undefined) deps.db.transaction(() => tags.deleteIfUnused(tagId))();
    throw err;
  }
}

/** tags.remove: the tag off every listed image and sample; how many links went. */
export async function removeTag(
  deps: EngineDeps,
  tagId: number,
  imageIds: readonly number[],
  sampleIds: readonly number[],
  signal: AbortSignal,
): Promise<number> {
  const tags = deps.repos.tags;
  await requireRows(deps, imageIds, sampleIds);
  const removed = await atomicSlices(
    deps,
    targets(imageIds, sampleIds),
    ([kind, id]) => (tags.unlinkOne(kind, id, tagId) === 1 ? ([kind, id] as Target) : undefined),
    ([kind, id]) => tags.linkOne(kind, id, tagId),
    signal,
    'tags.remove',
  );
  return removed.length;
}

/** images.setReviewState: every listed image's review state; how many images were updated. */
export async function setReviewStates(
  deps: EngineDeps,
  imageIds: readonly number[],
  state: ReviewState,
  signal: AbortSignal,
): Promise<number> {
  const tags = deps.repos.tags;
  await requireRows(deps, imageIds, []);
  const updated = await atomicSlices(
    deps,
    imageIds,
    (id) => {
      const previous = tags.reviewStateOf(id);
      return previous !== undefined && tags.setReviewStateOne(id, state) === 1 ? { id, previous } : undefined;
    },
    ({ id, previous }) => tags.restoreReviewState(id, previous, state),
    signal,
    'images.setReviewState',
  );
  return updated.length;
}
