import type Database from 'better-sqlite3';
import type { Db } from '../db';
import type { ImageFilter, ImageReviewState, ImageSummary, PixelGrid } from '../../../../shared/domain';
import { nextIdSql } from '../retiredIds';

export interface NewImage {
  datasetId: number;
  path: string;
  fileName: string;
  sha256: string;
  bytes: number;
  /** The chosen grid's size (images/orientation.ts gridSize). */
  width: number;
  height: number;
  /** EXIF orientation tag of the file (1..8) and the pixel grid chosen at import; default 1 / 'raw'. */
  exifOrientation?: number;
  grid?: PixelGrid;
  /** The first split (shown); `splits` lists every split list the image is in (default: `split` alone). */
  split?: string | null;
  splits?: readonly string[];
  externalId?: string | null;
}

export interface ImageRow {
  id: number;
  dataset_id: number;
  path: string;
  file_name: string;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  exif_orientation: number;
  grid: PixelGrid;
  has_gt: number;
  review_state: ImageReviewState;
  /** Tag names joined by U+001F (a character a tag name cannot hold), or null. */
  tag_names: string | null;
}

const TAG_SEPARATOR = '\u001f';

const hasGtSql = 'EXISTS (SELECT 1 FROM samples s JOIN annotations a ON a.sample_id = s.id WHERE s.image_id = i.id)';

const selectSql = `
  SELECT i.id, i.dataset_id, i.path, i.file_name, i.sha256, i.bytes, i.width, i.height, i.exif_orientation, i.grid, i.review_state,
    ${hasGtSql} AS has_gt,
    (SELECT group_concat(name, char(31)) FROM (
       SELECT t.name FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE it.image_id = i.id
       UNION SELECT t.name FROM samples s JOIN sample_tags st ON st.sample_id = s.id JOIN tags t ON t.id = st.tag_id WHERE s.image_id = i.id
       ORDER BY 1)) AS tag_names
  FROM images i`;

export function toImageSummary(r: ImageRow): ImageSummary {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    fileName: r.file_name,
    width: r.width,
    height: r.height,
    hasGroundTruth: r.has_gt === 1,
    reviewState: r.review_state,
    tags: r.tag_names === null || r.tag_names === '' ? [] : r.tag_names.split(TAG_SEPARATOR),
  };
}

/**
 * The gallery filters as SQL conditions on `images i`. Reads tags, annotations and run results through
 * joins only (each of those tables is owned by its own repository; nothing here writes them).
 * Every condition is driven from the image: each subquery is an index seek on the image's samples
 * (a run's results by (run_id, sample_id), a tag by its id, resolved once), never a walk over all of
 * a run's predictions per image (that took 100 s at 20k images: test/integration/store/gallery-plan).
 */
export function filterSql(datasetId: number, f: ImageFilter, plan: ClassPlan = 'per-image'): { where: string; params: unknown[] } {
  const conditions = ['i.dataset_id = ?'];
  const params: unknown[] = [datasetId];
  if (f.tag !== undefined) {
    conditions.push(`(EXISTS (SELECT 1 FROM image_tags it WHERE it.image_id = i.id AND it.tag_id = (SELECT id FROM tags WHERE name = ?))
      OR EXISTS (SELECT 1 FROM samples s JOIN sample_tags st ON st.sample_id = s.id
        WHERE s.image_id = i.id AND st.tag_id = (SELECT id FROM tags WHERE name = ?)))`);
    params.push(f.tag, f.tag);
  }
  if (f.reviewState !== undefined) {
    conditions.push('i.review_state = ?');
    params.push(f.reviewState);
  }
  if (f.hasGroundTruth !== undefined) conditions.push(f.hasGroundTruth ? hasGtSql : `NOT ${hasGtSql}`);
  if (f.classPresent !== undefined) {
    conditions.push(
      plan === 'per-image'
        ? `EXISTS (SELECT 1 FROM samples s JOIN annotations a ON a.sample_id = s.id
      JOIN annotation_versions v ON v.annotation_id = a.id AND v.version = a.current_version
      WHERE s.image_id = i.id AND a.class_idx = ? AND v.deleted = 0 AND v.area > 0)`
        : `i.id IN (SELECT s.image_id FROM annotations a
      JOIN annotation_versions v ON v.annotation_id = a.id AND v.version = a.current_version
      JOIN samples s ON s.id = a.sample_id WHERE a.class_idx = ? AND v.deleted = 0 AND v.area > 0)`,
    );
    params.push(f.classPresent);
  }
  if (f.runId !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM samples s WHERE s.image_id = i.id AND (
      EXISTS (SELECT 1 FROM predictions p WHERE p.run_id = ? AND p.sample_id = s.id)
      OR EXISTS (SELECT 1 FROM heatmaps h WHERE h.run_id = ? AND h.sample_id = s.id)))`);
    params.push(f.runId, f.runId);
  }
  return { where: conditions.join(' AND '), params };
}

/**
 * How a class filter finds its images: 'per-image' looks up each image's regions of the class through
 * the (sample_id, class_idx) index (three index seeks per image of the dataset); 'by-class' reads the
 * workspace's regions once and keeps those of the class (one pass over every region of every
 * dataset). On a dataset that is most of the workspace the pass is ~2x faster (100k images:
 * ~100-160 ms instead of ~190-270); on a small dataset in a large workspace it would read mostly
 * other datasets' regions.
 */
export type ClassPlan = 'per-image' | 'by-class';

/** 'by-class' when the dataset holds at least half of the workspace's images (by the highest image id: deletes only make it pick 'per-image'). */
export function classPlanFor(db: Db, datasetId: number): ClassPlan {
  const [mine, highest] = db
    .prepare('SELECT (SELECT count(*) FROM images WHERE dataset_id = ?), (SELECT max(id) FROM images)')
    .raw()
    .get(datasetId) as [number, number | null];
  return highest !== null && 2 * mine >= highest ? 'by-class' : 'per-image';
}

/** The statement behind a filtered id list, in gallery order (exported for the query-plan test). */
export function filteredIdsSql(datasetId: number, f: ImageFilter, plan: ClassPlan = 'per-image'): { sql: string; params: unknown[] } {
  const { where, params } = filterSql(datasetId, f, plan);
  return { sql: `SELECT i.id FROM images i WHERE ${where} ORDER BY i.dataset_id, i.file_name, i.id`, params };
}

const CACHE_ENTRIES = 32;

/**
 * Filtered id lists, remembered until the database changes: a gallery asks for many pages (and the
 * total) of one filter, and each page after the first is then a slice plus 200 rows. The version is
 * PRAGMA data_version (bumped by every other connection's commit: another process, or the engine's
 * connection when this is the read worker's) with total_changes() (this connection's own writes).
 */
export class GalleryCache {
  private version = '';
  private readonly lists = new Map<string, number[]>();
  private readonly values = new Map<string, unknown>();

  constructor(private readonly db: Db) {}

  private fresh(): void {
    const v = `${String(this.db.pragma('data_version', { simple: true }))}:${String(
      (this.db.prepare('SELECT total_changes() AS c').get() as { c: number }).c,
    )}`;
    if (v !== this.version) {
      this.version = v;
      this.lists.clear();
      this.values.clear();
    }
  }

  /** Any derived read (per-image scores) under the same invalidation. */
  memo<T>(key: string, compute: () => T): T {
    this.fresh();
    if (this.values.has(key)) return this.values.get(key) as T;
    const value = compute();
    if (this.values.size >= CACHE_ENTRIES) this.values.delete(this.values.keys().next().value as string);
    this.values.set(key, value);
    return value;
  }

  ids(datasetId: number, f: ImageFilter): number[] {
    this.fresh();
    const key = JSON.stringify([datasetId, f.tag, f.reviewState, f.hasGroundTruth, f.classPresent, f.runId]);
    let ids = this.lists.get(key);
    if (ids === undefined) {
      const { sql, params } = filteredIdsSql(datasetId, f, f.classPresent === undefined ? 'per-image' : classPlanFor(this.db, datasetId));
      ids = this.db
        .prepare(sql)
        .pluck()
        .all(...params) as number[];
      if (this.lists.size >= CACHE_ENTRIES) this.lists.delete(this.lists.keys().next().value as string);
      this.lists.set(key, ids);
    } else {
      // Most recently used last, so the oldest goes first when the cache is full.
      this.lists.delete(key);
      this.lists.set(key, ids);
    }
    return ids;
  }
}

/** The gallery's reads over any connection: the engine's, or the read worker's read-only one. */
export function imageReads(db: Db, cache = new GalleryCache(db)) {
  const byIds = db.prepare(`${selectSql} WHERE i.id IN (SELECT value FROM json_each(?))`);
  const datasetExists = db.prepare('SELECT 1 FROM datasets WHERE id = ? AND hidden_by IS NULL').pluck();
  return {
    cache,
    datasetExists(datasetId: number): boolean {
      return datasetExists.get(datasetId) !== undefined;
    },
    page(datasetId: number, offset: number, limit: number, filter: ImageFilter = {}): { total: number; items: ImageSummary[] } {
      const ids = cache.ids(datasetId, filter);
      const slice = ids.slice(offset, offset + limit);
      if (slice.length === 0) return { total: ids.length, items: [] };
      const rows = new Map((byIds.all(JSON.stringify(slice)) as ImageRow[]).map((r) => [r.id, r]));
      const items: ImageSummary[] = [];
      for (const id of slice) {
        const row = rows.get(id);
        if (row !== undefined) items.push(toImageSummary(row));
      }
      return { total: ids.length, items };
    },
    ids(datasetId: number, filter: ImageFilter = {}): number[] {
      return cache.ids(datasetId, filter).slice();
    },
    /** Summaries of the dataset's images among `imageIds`, in that order (ids of other datasets or none are left out). */
    summaries(datasetId: number, imageIds: readonly number[]): ImageSummary[] {
      if (imageIds.length === 0) return [];
      const rows = new Map((byIds.all(JSON.stringify(imageIds)) as ImageRow[]).map((r) => [r.id, r]));
      const items: ImageSummary[] = [];
      for (const id of imageIds) {
        const row = rows.get(id);
        if (row !== undefined && row.dataset_id === datasetId) items.push(toImageSummary(row));
      }
      return items;
    },
  };
}
export type ImageReads = ReturnType<typeof imageReads>;

/** Owns the `images` and `samples` tables. */
export function imagesRepo(db: Db) {
  // Prepared on first use: a store read at an older schema (read-only, before migration 17) has no
  // retired_ids table, and a read must not fail for the statement a write would use.
  let insert: Database.Statement | null = null;
  const insertStatement = (): Database.Statement =>
    (insert ??= db.prepare(
      `INSERT INTO images (id, dataset_id, path, file_name, sha256, bytes, width, height, exif_orientation, grid, split, external_id)
     VALUES (${nextIdSql('images')}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ));
  const insertSample = db.prepare('INSERT INTO samples (image_id, query, queries, is_sentence, external_id) VALUES (?, ?, ?, ?, ?)');
  let insertSplit: Database.Statement | null = null;
  const reads = imageReads(db);
  return {
    create(i: NewImage): number {
      const info = insertStatement().run(
        i.datasetId,
        i.path,
        i.fileName,
        i.sha256,
        i.bytes,
        i.width,
        i.height,
        i.exifOrientation ?? 1,
        i.grid ?? 'raw',
        i.split ?? null,
        i.externalId ?? null,
      );
      const id = Number(info.lastInsertRowid);
      const splits = i.splits ?? (i.split === undefined || i.split === null ? [] : [i.split]);
      if (splits.length > 0) {
        insertSplit ??= db.prepare('INSERT OR IGNORE INTO image_splits (image_id, split) VALUES (?, ?)');
        for (const split of splits) insertSplit.run(id, split);
      }
      return id;
    },
    createSample(imageId: number, query: string | null = null, queries: string[] | null = null, isSentence: boolean | null = null): number {
      const info = insertSample.run(
        imageId,
        query,
        queries === null ? null : JSON.stringify(queries),
        isSentence === null ? null : Number(isSentence),
        null,
      );
      return Number(info.lastInsertRowid);
    },
    /** A page in gallery order and the filter's total (see imageReads). */
    page(datasetId: number, offset: number, limit: number, filter: ImageFilter = {}): { total: number; items: ImageSummary[] } {
      return reads.page(datasetId, offset, limit, filter);
    },
    ids(datasetId: number, filter: ImageFilter = {}): number[] {
      return reads.ids(datasetId, filter);
    },
    get(id: number): ImageRow | undefined {
      return db.prepare(`${selectSql} WHERE i.id = ?`).get(id) as ImageRow | undefined;
    },
    /**
     * Whether a dataset that is not hidden (by a delete or an unfinished import) has an image with
     * these bytes: a thumbnail written for a hash without one is removed again (images/thumbs.ts).
     */
    shownSha(sha256: string): boolean {
      return (
        db
          .prepare('SELECT 1 FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE i.sha256 = ? AND d.hidden_by IS NULL LIMIT 1')
          .get(sha256) !== undefined
      );
    },
    /** The semantic sample of an image (query IS NULL): the one its label map hangs off. */
    semanticSampleId(imageId: number): number | undefined {
      const row = db.prepare('SELECT id FROM samples WHERE image_id = ? AND query IS NULL ORDER BY id LIMIT 1').get(imageId) as
        { id: number } | undefined;
      return row?.id;
    },
    /** Every sample of an image, semantic first. */
    samples(imageId: number): Array<{ id: number; query: string | null }> {
      return db.prepare('SELECT id, query FROM samples WHERE image_id = ? ORDER BY query IS NOT NULL, id').all(imageId) as Array<{
        id: number;
        query: string | null;
      }>;
    },
    /** The file name of the image a sample belongs to. */
    fileNameOfSample(sampleId: number): string | undefined {
      return db.prepare('SELECT i.file_name FROM images i JOIN samples s ON s.image_id = i.id WHERE s.id = ?').pluck().get(sampleId) as
        string | undefined;
    },
    /** The size of the image a sample belongs to. */
    sizeOfSample(sampleId: number): { width: number; height: number } | undefined {
      return db.prepare('SELECT i.width, i.height FROM images i JOIN samples s ON s.image_id = i.id WHERE s.id = ?').get(sampleId) as
        { width: number; height: number } | undefined;
    },
    /** Referring samples' queries of the given images of a dataset, in image then sample id order. */
    queries(datasetId: number, imageIds: readonly number[]): Array<{ imageId: number; query: string }> {
      return db
        .prepare(
          `SELECT s.image_id AS imageId, s.query AS query FROM samples s JOIN images i ON i.id = s.image_id
           WHERE i.dataset_id = ? AND s.query IS NOT NULL AND s.image_id IN (SELECT value FROM json_each(?))
           ORDER BY s.image_id, s.id`,
        )
        .all(datasetId, JSON.stringify(imageIds)) as Array<{ imageId: number; query: string }>;
    },
    /** Id, size and file name of every image of a dataset, in gallery order (for whole-dataset passes). */
    listForDataset(datasetId: number): Array<{ id: number; file_name: string; width: number; height: number }> {
      return db
        .prepare('SELECT id, file_name, width, height FROM images WHERE dataset_id = ? ORDER BY dataset_id, file_name, id')
        .all(datasetId) as Array<{
        id: number;
        file_name: string;
        width: number;
        height: number;
      }>;
    },
  };
}
export type ImagesRepo = ReturnType<typeof imagesRepo>;
