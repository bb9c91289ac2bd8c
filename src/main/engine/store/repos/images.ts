import type { Db } from '../db';
import type { ImageSummary } from '../../../../shared/domain';

export interface NewImage {
  datasetId: number;
  path: string;
  fileName: string;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
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
  has_gt: number;
}

const selectSql = `
  SELECT i.id, i.dataset_id, i.path, i.file_name, i.sha256, i.bytes, i.width, i.height,
    EXISTS (SELECT 1 FROM samples s JOIN annotations a ON a.sample_id = s.id WHERE s.image_id = i.id) AS has_gt
  FROM images i`;

export function toImageSummary(r: ImageRow): ImageSummary {
  return { id: r.id, datasetId: r.dataset_id, fileName: r.file_name, width: r.width, height: r.height, hasGroundTruth: r.has_gt === 1 };
}

/** Owns the `images` and `samples` tables. */
export function imagesRepo(db: Db) {
  const insert = db.prepare(
    'INSERT INTO images (dataset_id, path, file_name, sha256, bytes, width, height, split, external_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertSample = db.prepare('INSERT INTO samples (image_id, query, queries, is_sentence, external_id) VALUES (?, ?, ?, ?, ?)');
  return {
    create(i: NewImage): number {
      const info = insert.run(i.datasetId, i.path, i.fileName, i.sha256, i.bytes, i.width, i.height, i.split ?? null, i.externalId ?? null);
      return Number(info.lastInsertRowid);
    },
    createSample(imageId: number, query: string | null = null, queries: string[] | null = null, isSentence: boolean | null = null): number {
      const info = insertSample.run(imageId, query, queries === null ? null : JSON.stringify(queries), isSentence === null ? null : Number(isSentence), null);
      return Number(info.lastInsertRowid);
    },
    page(datasetId: number, offset: number, limit: number): { total: number; items: ImageSummary[] } {
      const total = (db.prepare('SELECT COUNT(*) AS n FROM images WHERE dataset_id = ?').get(datasetId) as { n: number }).n;
      const rows = db.prepare(`${selectSql} WHERE i.dataset_id = ? ORDER BY i.file_name, i.id LIMIT ? OFFSET ?`).all(datasetId, limit, offset) as ImageRow[];
      return { total, items: rows.map(toImageSummary) };
    },
    get(id: number): ImageRow | undefined {
      return db.prepare(`${selectSql} WHERE i.id = ?`).get(id) as ImageRow | undefined;
    },
    /** The semantic sample of an image (query IS NULL): the one its label map hangs off. */
    semanticSampleId(imageId: number): number | undefined {
      const row = db.prepare('SELECT id FROM samples WHERE image_id = ? AND query IS NULL ORDER BY id LIMIT 1').get(imageId) as { id: number } | undefined;
      return row?.id;
    },
  };
}
export type ImagesRepo = ReturnType<typeof imagesRepo>;
