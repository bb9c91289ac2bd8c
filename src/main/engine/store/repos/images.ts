import type { Db } from '../db';
import type { ImageFilter, ImageReviewState, ImageSummary, PixelGrid } from '../../../../shared/domain';

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
  split?: string | null;
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
 */
function filterSql(datasetId: number, f: ImageFilter): { where: string; params: unknown[] } {
  const conditions = ['i.dataset_id = ?'];
  const params: unknown[] = [datasetId];
  if (f.tag !== undefined) {
    conditions.push(`(EXISTS (SELECT 1 FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE it.image_id = i.id AND t.name = ?)
      OR EXISTS (SELECT 1 FROM samples s JOIN sample_tags st ON st.sample_id = s.id JOIN tags t ON t.id = st.tag_id WHERE s.image_id = i.id AND t.name = ?))`);
    params.push(f.tag, f.tag);
  }
  if (f.reviewState !== undefined) {
    conditions.push('i.review_state = ?');
    params.push(f.reviewState);
  }
  if (f.hasGroundTruth !== undefined) conditions.push(f.hasGroundTruth ? hasGtSql : `NOT ${hasGtSql}`);
  if (f.classPresent !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM samples s JOIN annotations a ON a.sample_id = s.id
      JOIN annotation_versions v ON v.annotation_id = a.id AND v.version = a.current_version
      WHERE s.image_id = i.id AND a.class_idx = ? AND v.deleted = 0 AND v.area > 0)`);
    params.push(f.classPresent);
  }
  if (f.runId !== undefined) {
    conditions.push(`(EXISTS (SELECT 1 FROM samples s JOIN predictions p ON p.sample_id = s.id WHERE s.image_id = i.id AND p.run_id = ?)
      OR EXISTS (SELECT 1 FROM samples s JOIN heatmaps h ON h.sample_id = s.id WHERE s.image_id = i.id AND h.run_id = ?))`);
    params.push(f.runId, f.runId);
  }
  return { where: conditions.join(' AND '), params };
}

/** Owns the `images` and `samples` tables. */
export function imagesRepo(db: Db) {
  const insert = db.prepare(
    `INSERT INTO images (dataset_id, path, file_name, sha256, bytes, width, height, exif_orientation, grid, split, external_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertSample = db.prepare('INSERT INTO samples (image_id, query, queries, is_sentence, external_id) VALUES (?, ?, ?, ?, ?)');
  return {
    create(i: NewImage): number {
      const info = insert.run(
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
      return Number(info.lastInsertRowid);
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
    page(datasetId: number, offset: number, limit: number, filter: ImageFilter = {}): { total: number; items: ImageSummary[] } {
      const { where, params } = filterSql(datasetId, filter);
      const total = (db.prepare(`SELECT COUNT(*) AS n FROM images i WHERE ${where}`).get(...params) as { n: number }).n;
      const rows = db
        .prepare(`${selectSql} WHERE ${where} ORDER BY i.file_name, i.id LIMIT ? OFFSET ?`)
        .all(...params, limit, offset) as ImageRow[];
      return { total, items: rows.map(toImageSummary) };
    },
    ids(datasetId: number, filter: ImageFilter = {}): number[] {
      const { where, params } = filterSql(datasetId, filter);
      return (
        db.prepare(`SELECT i.id FROM images i WHERE ${where} ORDER BY i.file_name, i.id`).all(...params) as Array<{ id: number }>
      ).map((r) => r.id);
    },
    get(id: number): ImageRow | undefined {
      return db.prepare(`${selectSql} WHERE i.id = ?`).get(id) as ImageRow | undefined;
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
    /** Id, size and file name of every image of a dataset, in gallery order (for whole-dataset passes). */
    listForDataset(datasetId: number): Array<{ id: number; file_name: string; width: number; height: number }> {
      return db
        .prepare('SELECT id, file_name, width, height FROM images WHERE dataset_id = ? ORDER BY file_name, id')
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
