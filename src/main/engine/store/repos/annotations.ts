import type { Db } from '../db';
import type { Rle } from '../../masks/rle';

export interface NewRegion {
  sampleId: number;
  classIdx: number;
  rle: Rle;
  area: number;
  bbox: [number, number, number, number];
  iscrowd?: boolean;
  externalId?: string | null;
  source?: 'import' | 'edit' | 'prompt';
}

export interface CurrentRegion {
  annotationId: number;
  classIdx: number;
  iscrowd: boolean;
  version: number;
  rle: Rle;
}

/** Owns `annotations` and `annotation_versions`: each region keeps every version; the imported one is never overwritten. */
export function annotationsRepo(db: Db) {
  const insert = db.prepare('INSERT INTO annotations (sample_id, class_idx, iscrowd, external_id, current_version) VALUES (?, ?, ?, ?, 1)');
  const insertVersion = db.prepare(
    'INSERT INTO annotation_versions (annotation_id, version, height, width, rle, area, bbox, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  return {
    create(r: NewRegion): number {
      const info = insert.run(r.sampleId, r.classIdx, r.iscrowd === true ? 1 : 0, r.externalId ?? null);
      const id = Number(info.lastInsertRowid);
      insertVersion.run(id, 1, r.rle.size[0], r.rle.size[1], r.rle.counts, r.area, JSON.stringify(r.bbox), r.source ?? 'import', new Date().toISOString());
      return id;
    },
    /** The current (non-deleted) version of every region of a sample, in id order. */
    currentForSample(sampleId: number): CurrentRegion[] {
      const rows = db
        .prepare(
          `SELECT a.id, a.class_idx, a.iscrowd, v.version, v.height, v.width, v.rle
           FROM annotations a JOIN annotation_versions v ON v.annotation_id = a.id AND v.version = a.current_version
           WHERE a.sample_id = ? AND v.deleted = 0 ORDER BY a.id`,
        )
        .all(sampleId) as Array<{ id: number; class_idx: number; iscrowd: number; version: number; height: number; width: number; rle: string }>;
      return rows.map((r) => ({
        annotationId: r.id,
        classIdx: r.class_idx,
        iscrowd: r.iscrowd === 1,
        version: r.version,
        rle: { size: [r.height, r.width], counts: r.rle },
      }));
    },
  };
}
export type AnnotationsRepo = ReturnType<typeof annotationsRepo>;
