import { ApiError } from '../../../shared/api/errors';
import type { Rgb } from '../../../shared/domain';
import type { Db } from '../store/db';

/**
 * Read-only views of a stored dataset that exporters and prediction importers need and the repos
 * do not offer yet (split, external ids, stored area/bbox). TODO(datasets owner): move these into
 * store/repos/{images,datasets,annotations}.ts, which own the tables.
 */
export interface DatasetImage {
  id: number;
  fileName: string;
  path: string;
  width: number;
  height: number;
  split: string | null;
  externalId: string | null;
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
  const row = db.prepare('SELECT id, name, format, task FROM datasets WHERE id = ?').get(datasetId) as
    { id: number; name: string; format: string; task: string } | undefined;
  if (row === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
  return row;
}

export function datasetImages(db: Db, datasetId: number): DatasetImage[] {
  const rows = db
    .prepare('SELECT id, file_name, path, width, height, split, external_id FROM images WHERE dataset_id = ? ORDER BY id')
    .all(datasetId) as Array<{
    id: number;
    file_name: string;
    path: string;
    width: number;
    height: number;
    split: string | null;
    external_id: string | null;
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
    width: r.width,
    height: r.height,
    split: r.split,
    externalId: r.external_id,
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
  const row = db.prepare('SELECT id, name FROM runs WHERE id = ? AND dataset_id = ?').get(runId, datasetId) as
    { id: number; name: string } | undefined;
  if (row === undefined) throw new ApiError('NOT_FOUND', `run ${runId} not found on dataset ${datasetId}`);
  return row;
}
