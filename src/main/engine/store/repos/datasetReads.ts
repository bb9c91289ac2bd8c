import { ApiError } from '../../../../shared/api/errors';
import type { PixelGrid, Rgb } from '../../../../shared/domain';
import type { Db } from '../db';
import { hasTable } from '../schemaTables';

/**
 * Read-only views of a stored dataset that exporters, prediction importers, runs and reports need
 * (split, external ids, stored area/bbox, a run's scope, the samples a run covers).
 */
export interface DatasetImage {
  id: number;
  fileName: string;
  path: string;
  /** The file's sha256 and size at import (0: unknown), to check it is still that file (images/imageFile.ts). */
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  /** The first split list the image is in (shown); datasetImageSplits has every one. */
  split: string | null;
  externalId: string | null;
  /** EXIF orientation tag of the file (1..8) and the grid chosen at import (images/orientation.ts). */
  exifOrientation: number;
  grid: PixelGrid;
  /** Sample ids in creation order. */
  sampleIds: number[];
}

export interface DatasetClass {
  index: number;
  name: string;
  color: Rgb;
  externalId: number | null;
}

export interface StoredRegion {
  annotationId: number;
  sampleId: number;
  classIdx: number;
  iscrowd: boolean;
  externalId: string | null;
  height: number;
  width: number;
  counts: string;
  area: number;
  bbox: [number, number, number, number];
}

export function requireDataset(db: Db, datasetId: number): { id: number; name: string; format: string; task: string } {
  const row = db.prepare('SELECT id, name, format, task FROM datasets WHERE id = ? AND hidden_by IS NULL').get(datasetId) as
    { id: number; name: string; format: string; task: string } | undefined;
  if (row === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
  return row;
}

/** Whether the dataset's masks were imported with mmseg's reduce_zero_label (its meta, datasets/folder.ts). */
export function datasetReducesZeroLabel(db: Db, datasetId: number): boolean {
  const meta = db.prepare('SELECT meta FROM datasets WHERE id = ?').pluck().get(datasetId) as string | null | undefined;
  try {
    const parsed =
      meta === null || meta === undefined ? null : (JSON.parse(meta) as { maskReading?: { reduceZeroLabel?: unknown } } | null);
    return parsed?.maskReading?.reduceZeroLabel === true;
  } catch {
    return false;
  }
}

export function datasetImages(db: Db, datasetId: number): DatasetImage[] {
  const rows = db
    .prepare(
      'SELECT id, file_name, path, sha256, bytes, width, height, split, external_id, exif_orientation, grid FROM images WHERE dataset_id = ? ORDER BY id',
    )
    .all(datasetId) as Array<{
    id: number;
    file_name: string;
    path: string;
    sha256: string;
    bytes: number;
    width: number;
    height: number;
    split: string | null;
    external_id: string | null;
    exif_orientation: number;
    grid: PixelGrid;
  }>;
  const samples = db
    .prepare('SELECT s.id, s.image_id FROM samples s JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ? ORDER BY s.id')
    .all(datasetId) as Array<{ id: number; image_id: number }>;
  const byImage = new Map<number, number[]>();
  for (const s of samples) {
    const list = byImage.get(s.image_id) ?? [];
    list.push(s.id);
    byImage.set(s.image_id, list);
  }
  return rows.map((r) => ({
    id: r.id,
    fileName: r.file_name,
    path: r.path,
    sha256: r.sha256,
    bytes: r.bytes,
    width: r.width,
    height: r.height,
    split: r.split,
    externalId: r.external_id,
    exifOrientation: r.exif_orientation,
    grid: r.grid,
    sampleIds: byImage.get(r.id) ?? [],
  }));
}

export function datasetClasses(db: Db, datasetId: number): DatasetClass[] {
  const rows = db.prepare('SELECT idx, name, color, external_id FROM classes WHERE dataset_id = ? ORDER BY idx').all(datasetId) as Array<{
    idx: number;
    name: string;
    color: string;
    external_id: number | null;
  }>;
  return rows.map((r) => ({ index: r.idx, name: r.name, color: JSON.parse(r.color) as Rgb, externalId: r.external_id }));
}

/**
 * The samples of a dataset that have ground truth: any region, even one whose current version is
 * deleted (an image erased to all background is annotated as such), as eval decides which samples
 * it scores (store/repos/evaluation.ts). An undo of the edits that gave an image its first regions
 * removes them, so that image has none again.
 */
export function samplesWithGroundTruth(db: Db, datasetId: number): Set<number> {
  const ids = db
    .prepare(
      `SELECT DISTINCT a.sample_id FROM annotations a JOIN samples s ON s.id = a.sample_id JOIN images i ON i.id = s.image_id
       WHERE i.dataset_id = ?`,
    )
    .pluck()
    .all(datasetId) as number[];
  return new Set(ids);
}

/**
 * The largest numeric external (COCO) id of any region of the dataset, erased ones included, or 0: new
 * regions exported get ids above it, never the id of an imported instance that was erased.
 */
export function maxNumericRegionId(db: Db, datasetId: number): number {
  const ids = db
    .prepare(
      `SELECT a.external_id FROM annotations a JOIN samples s ON s.id = a.sample_id JOIN images i ON i.id = s.image_id
       WHERE i.dataset_id = ? AND a.external_id IS NOT NULL`,
    )
    .pluck()
    .all(datasetId) as string[];
  let max = 0;
  for (const id of ids) if (/^\d+$/.test(id)) max = Math.max(max, Number(id));
  return max;
}

/** The current version of every region of a dataset, in annotation id order (import order). */
export function* datasetRegions(db: Db, datasetId: number): Generator<StoredRegion> {
  const rows = db
    .prepare(
      `SELECT a.id, a.sample_id, a.class_idx, a.iscrowd, a.external_id, v.height, v.width, v.rle, v.area, v.bbox
       FROM annotations a
       JOIN annotation_versions v ON v.annotation_id = a.id AND v.version = a.current_version
       JOIN samples s ON s.id = a.sample_id JOIN images i ON i.id = s.image_id
       WHERE i.dataset_id = ? AND v.deleted = 0 ORDER BY a.id`,
    )
    .iterate(datasetId) as IterableIterator<{
    id: number;
    sample_id: number;
    class_idx: number;
    iscrowd: number;
    external_id: string | null;
    height: number;
    width: number;
    rle: string;
    area: number;
    bbox: string;
  }>;
  for (const r of rows) {
    yield {
      annotationId: r.id,
      sampleId: r.sample_id,
      classIdx: r.class_idx,
      iscrowd: r.iscrowd === 1,
      externalId: r.external_id,
      height: r.height,
      width: r.width,
      counts: r.rle,
      area: r.area,
      bbox: JSON.parse(r.bbox) as [number, number, number, number],
    };
  }
}

/** A run of the dataset by id; NOT_FOUND names both. */
export function requireRun(db: Db, datasetId: number, runId: number): { id: number; name: string } {
  const row = db.prepare('SELECT id, name FROM runs WHERE id = ? AND dataset_id = ? AND hidden_by IS NULL').get(runId, datasetId) as
    { id: number; name: string } | undefined;
  if (row === undefined) throw new ApiError('NOT_FOUND', `run ${runId} not found on dataset ${datasetId}`);
  return row;
}

/** Images of the dataset tagged `tag` (on the image or on one of its samples). */
export function imageIdsTagged(db: Db, datasetId: number, tag: string): number[] {
  return (
    db
      .prepare(
        `SELECT i.id FROM images i WHERE i.dataset_id = @datasetId AND (
           EXISTS (SELECT 1 FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE it.image_id = i.id AND t.name = @tag)
           OR EXISTS (SELECT 1 FROM samples s JOIN sample_tags st ON st.sample_id = s.id JOIN tags t ON t.id = st.tag_id
                      WHERE s.image_id = i.id AND t.name = @tag))`,
      )
      .all({ datasetId, tag }) as Array<{ id: number }>
  ).map((r) => r.id);
}

/** Each image's content hash and its ground-truth versions (`annotation id.version`, comma-separated), in image id order. */
export function imageContentRows(db: Db, datasetId: number): IterableIterator<[string, string | null]> {
  return db
    .prepare(
      `SELECT i.sha256, (SELECT group_concat(a.id || '.' || a.current_version, ',' ORDER BY a.id)
         FROM samples s JOIN annotations a ON a.sample_id = s.id WHERE s.image_id = i.id) AS gt
       FROM images i WHERE i.dataset_id = ? ORDER BY i.id`,
    )
    .raw()
    .iterate(datasetId) as IterableIterator<[string, string | null]>;
}

/**
 * Every split list each image of a dataset is in, sorted (migration 22), for the two readers that
 * need more than the shown split (selecting a split's images, a VOC export's lists). At an older
 * schema, images.split is the only one known.
 */
export function datasetImageSplits(db: Db, images: readonly DatasetImage[], datasetId: number): Map<number, string[]> {
  const out = new Map<number, string[]>();
  if (!hasTable(db, 'image_splits')) {
    for (const i of images) out.set(i.id, i.split === null ? [] : [i.split]);
    return out;
  }
  for (const i of images) out.set(i.id, []);
  const rows = db
    .prepare(
      'SELECT s.image_id, s.split FROM image_splits s JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ? ORDER BY s.image_id, s.split',
    )
    .raw()
    .all(datasetId) as Array<[number, string]>;
  for (const [imageId, split] of rows) out.get(imageId)?.push(split);
  return out;
}

/**
 * The registered images (images.path) among `paths`, of any dataset (hidden ones too: an import
 * under way, a delete not yet done), with their dataset's name, by dataset name then path. One
 * query: CROSS JOIN keeps the datasets outside, so each probe uses the (dataset_id, path) index.
 */
export function registeredImagePaths(db: Db, paths: readonly string[]): Array<{ dataset: string; path: string }> {
  if (paths.length === 0) return [];
  return db
    .prepare(
      `SELECT d.name AS dataset, i.path AS path FROM datasets d CROSS JOIN images i
        ON i.dataset_id = d.id AND i.path IN (SELECT value FROM json_each(?))
        ORDER BY d.name, i.path`,
    )
    .all(JSON.stringify(paths)) as Array<{ dataset: string; path: string }>;
}

/** Every dataset's source path (the folder or file imported), each once. */
export function datasetSourcePaths(db: Db): string[] {
  return db.prepare('SELECT DISTINCT source_path FROM datasets WHERE source_path IS NOT NULL').pluck().all() as string[];
}
