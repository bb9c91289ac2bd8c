/** Reads and writes of `samples` beyond what the images repo offers: the samples a run covers, query editing. */
import type { Db } from '../db';

export interface RunSample {
  sampleId: number;
  imageId: number;
  imagePath: string;
  /**
   * The image's pixel identity: its sha256, plus `:o<n>` when its grid applies EXIF orientation n
   * (images/orientation.ts pixelKey). Keys the SAM embedding cache, so one file in two grids never
   * shares an embedding.
   */
  imageSha: string;
  /** The image file's sha256 and size at import: a run reads only those bytes (models/preprocess.ts decodeRegisteredRgb). */
  imageFileSha: string;
  imageBytes: number;
  fileName: string;
  /** Size of the image's pixel grid (chosen at import). */
  width: number;
  height: number;
  /** EXIF orientation decodeRgb applies to reach that grid: 1 for the raw grid. */
  orientation: number;
  query: string | null;
  /** 0-based position of this sample among its image's query samples. */
  queryIndex: number;
}

/**
 * The samples a run covers, in a stable order: semantic datasets one per image, referring datasets
 * one per query. A subset is a tag on the image or on the sample.
 */
export function runSamples(db: Db, datasetId: number, referring: boolean, subset?: string): RunSample[] {
  const tagFilter =
    subset === undefined
      ? ''
      : `AND (EXISTS (SELECT 1 FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE it.image_id = i.id AND t.name = @tag)
           OR EXISTS (SELECT 1 FROM sample_tags st JOIN tags t ON t.id = st.tag_id WHERE st.sample_id = s.id AND t.name = @tag))`;
  return db
    .prepare(
      `SELECT s.id AS sampleId, i.id AS imageId, i.path AS imagePath, CASE WHEN i.grid = 'oriented' AND i.exif_orientation > 1 THEN i.sha256 || ':o' || i.exif_orientation ELSE i.sha256 END AS imageSha, i.sha256 AS imageFileSha, i.bytes AS imageBytes, i.file_name AS fileName,
              i.width, i.height, CASE WHEN i.grid = 'oriented' THEN i.exif_orientation ELSE 1 END AS orientation, s.query,
              (SELECT COUNT(*) FROM samples s2 WHERE s2.image_id = s.image_id AND s2.query IS NOT NULL AND s2.id < s.id) AS queryIndex
       FROM samples s JOIN images i ON i.id = s.image_id
       WHERE i.dataset_id = @datasetId AND ${referring ? 's.query IS NOT NULL' : 's.query IS NULL'} ${tagFilter}
       ORDER BY i.file_name, i.id, s.id`,
    )
    .all({ datasetId, ...(subset === undefined ? {} : { tag: subset }) }) as RunSample[];
}

export interface QuerySampleRow {
  id: number;
  query: string | null;
  /** JSON array of the sample's query wordings, or null. */
  queries: string | null;
}

/** The text-query samples of an image (referring / reasoning), in id order. */
export function querySampleRows(db: Db, imageId: number): Array<QuerySampleRow & { query: string }> {
  return db.prepare('SELECT id, query, queries FROM samples WHERE image_id = ? AND query IS NOT NULL ORDER BY id').all(imageId) as Array<
    QuerySampleRow & { query: string }
  >;
}

export function querySampleRow(db: Db, sampleId: number): QuerySampleRow | undefined {
  return db.prepare('SELECT id, query, queries FROM samples WHERE id = ?').get(sampleId) as QuerySampleRow | undefined;
}

export function updateSampleQuery(db: Db, sampleId: number, query: string, queries: readonly string[]): void {
  db.prepare('UPDATE samples SET query = ?, queries = ? WHERE id = ?').run(query, JSON.stringify(queries), sampleId);
}
