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

/** A new version of an existing region; `rle` with area 0 marks the region as gone (deleted = 1). */
export interface NewVersion {
  annotationId: number;
  rle: Rle;
  area: number;
  bbox: [number, number, number, number];
  source: 'edit' | 'prompt';
  /** Whether the version marks the region gone; default: its area is 0 (a copy of a stored version keeps that version's flag). */
  deleted?: boolean;
}

/** One row of the edit history (annotation_edits); before/after are zlib-deflated w*h label bytes. */
export interface EditRow {
  id: number;
  imageId: number;
  sampleId: number;
  x: number;
  y: number;
  w: number;
  h: number;
  before: Uint8Array;
  after: Uint8Array;
  undone: boolean;
}

export interface NewEdit {
  imageId: number;
  sampleId: number;
  box: { x: number; y: number; w: number; h: number };
  before: Uint8Array;
  after: Uint8Array;
  /** The region versions the edit replaced. */
  regions: readonly RegionStep[];
}

/** [annotation id, its version before an edit (0: the edit made the region), the version the edit wrote]. */
export type RegionStep = [number, number, number];

interface EditSqlRow {
  id: number;
  image_id: number;
  sample_id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  before: Buffer;
  after: Buffer;
  undone: number;
}

function toEdit(r: EditSqlRow): EditRow {
  return {
    id: r.id,
    imageId: r.image_id,
    sampleId: r.sample_id,
    x: r.x,
    y: r.y,
    w: r.w,
    h: r.h,
    before: r.before,
    after: r.after,
    undone: r.undone === 1,
  };
}

/**
 * Owns `annotations`, `annotation_versions`, and the edit history (`annotation_edits`,
 * `annotation_revisions`): each region keeps every version; the imported one is never overwritten.
 */
/** A current-version row as the current-region queries select it. */
interface CurrentRow {
  id: number;
  class_idx: number;
  iscrowd: number;
  version: number;
  height: number;
  width: number;
  rle: string;
}

function toCurrentRegion(r: CurrentRow): CurrentRegion {
  return {
    annotationId: r.id,
    classIdx: r.class_idx,
    iscrowd: r.iscrowd === 1,
    version: r.version,
    rle: { size: [r.height, r.width], counts: r.rle },
  };
}

export function annotationsRepo(db: Db) {
  const insert = db.prepare('INSERT INTO annotations (sample_id, class_idx, iscrowd, external_id, current_version) VALUES (?, ?, ?, ?, 1)');
  const insertVersion = db.prepare(
    'INSERT INTO annotation_versions (annotation_id, version, height, width, rle, area, bbox, source, deleted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const maxVersion = db.prepare('SELECT MAX(version) AS v FROM annotation_versions WHERE annotation_id = ?');
  const setCurrent = db.prepare('UPDATE annotations SET current_version = ? WHERE id = ?');
  const currentVersionOf = db.prepare(
    `SELECT v.version, v.rle AS counts FROM annotations a
     JOIN annotation_versions v ON v.annotation_id = a.id AND v.version = a.current_version WHERE a.id = ?`,
  );
  const versionContent = db.prepare(
    'SELECT height, width, rle, area, bbox, deleted FROM annotation_versions WHERE annotation_id = ? AND version = ?',
  );
  const anyRegionOf = db.prepare('SELECT 1 FROM annotations WHERE sample_id = ? LIMIT 1').pluck();
  const currentOfSample = db.prepare(
    `SELECT a.id, a.class_idx, a.iscrowd, v.version, v.height, v.width, v.rle
     FROM annotations a JOIN annotation_versions v ON v.annotation_id = a.id AND v.version = a.current_version
     WHERE a.sample_id = ? AND v.deleted = 0 ORDER BY a.id`,
  );
  const currentOfSamples = db.prepare(
    `SELECT a.sample_id, a.id, a.class_idx, a.iscrowd, v.version, v.height, v.width, v.rle
     FROM annotations a JOIN annotation_versions v ON v.annotation_id = a.id AND v.version = a.current_version
     WHERE a.sample_id IN (SELECT value FROM json_each(?)) AND v.deleted = 0 ORDER BY a.sample_id, a.id`,
  );
  return {
    create(r: NewRegion): number {
      const info = insert.run(r.sampleId, r.classIdx, r.iscrowd === true ? 1 : 0, r.externalId ?? null);
      const id = Number(info.lastInsertRowid);
      insertVersion.run(
        id,
        1,
        r.rle.size[0],
        r.rle.size[1],
        r.rle.counts,
        r.area,
        JSON.stringify(r.bbox),
        r.source ?? 'import',
        0,
        new Date().toISOString(),
      );
      return id;
    },
    /** Appends a version after the newest one (never overwrites) and makes it current; returns its number. */
    addVersion(v: NewVersion): number {
      const next = ((maxVersion.get(v.annotationId) as { v: number | null }).v ?? 0) + 1;
      const deleted = (v.deleted ?? v.area === 0) ? 1 : 0;
      insertVersion.run(
        v.annotationId,
        next,
        v.rle.size[0],
        v.rle.size[1],
        v.rle.counts,
        v.area,
        JSON.stringify(v.bbox),
        v.source,
        deleted,
        new Date().toISOString(),
      );
      setCurrent.run(next, v.annotationId);
      return next;
    },
    /** currentForSample of several samples in one query (samples without regions are absent). */
    currentForSamples(sampleIds: readonly number[]): Map<number, CurrentRegion[]> {
      const out = new Map<number, CurrentRegion[]>();
      for (const r of currentOfSamples.all(JSON.stringify(sampleIds)) as Array<CurrentRow & { sample_id: number }>) {
        let list = out.get(r.sample_id);
        if (list === undefined) out.set(r.sample_id, (list = []));
        list.push(toCurrentRegion(r));
      }
      return out;
    },
    /** The current (non-deleted) version of every region of a sample, in id order. */
    currentForSample(sampleId: number): CurrentRegion[] {
      return (currentOfSample.all(sampleId) as CurrentRow[]).map(toCurrentRegion);
    },
    /**
     * Whether the sample has ground truth: any region, even one whose current version is deleted (an
     * image erased to all background is annotated as such; datasetReads.samplesWithGroundTruth).
     */
    hasGroundTruth(sampleId: number): boolean {
      return anyRegionOf.get(sampleId) !== undefined;
    },
    /** Samples of the dataset whose ground truth is no longer what was imported. */
    correctedSampleIds(datasetId: number): Set<number> {
      const rows = db
        .prepare(
          `SELECT DISTINCT a.sample_id FROM annotations a
           JOIN samples s ON s.id = a.sample_id JOIN images i ON i.id = s.image_id
           JOIN annotation_versions v ON v.annotation_id = a.id AND v.version = 1
           WHERE i.dataset_id = ? AND (a.current_version <> 1 OR v.source <> 'import')`,
        )
        .raw()
        .all(datasetId) as Array<[number]>;
      return new Set(rows.map((r) => r[0]));
    },
    /** The regions as imported: version 1 of each region that came from an import, in id order. */
    importedRegions(sampleId: number): Array<{ classIdx: number; rle: Rle }> {
      const rows = db
        .prepare(
          `SELECT a.class_idx, v.height, v.width, v.rle FROM annotations a
           JOIN annotation_versions v ON v.annotation_id = a.id AND v.version = 1
           WHERE a.sample_id = ? AND v.source = 'import' AND v.deleted = 0 ORDER BY a.id`,
        )
        .raw()
        .all(sampleId) as Array<[number, number, number, string]>;
      return rows.map(([classIdx, height, width, counts]) => ({ classIdx, rle: { size: [height, width], counts } }));
    },
    /**
     * Removes a region an undo has just emptied when the undone edit made it (its first version is an
     * edit's, its current one empty): undo puts back the regions as they were, and before that edit the
     * region did not exist. A region left as an empty row would still count as ground truth (an
     * all-background map) for an image that had none. True when removed.
     */
    dropUndoneCreation(annotationId: number): boolean {
      return (
        db
          .prepare(
            `DELETE FROM annotations WHERE id = ?
               AND (SELECT deleted FROM annotation_versions WHERE annotation_id = annotations.id AND version = annotations.current_version) = 1
               AND (SELECT source FROM annotation_versions WHERE annotation_id = annotations.id AND version = 1) = 'edit'`,
          )
          .run(annotationId).changes === 1
      );
    },
    /** Removes a region an edit made (its first version is an edit's), as the undo of that edit. True when removed. */
    dropCreatedByEdit(annotationId: number): boolean {
      return (
        db
          .prepare(
            `DELETE FROM annotations WHERE id = ?
               AND (SELECT source FROM annotation_versions WHERE annotation_id = annotations.id AND version = 1) = 'edit'`,
          )
          .run(annotationId).changes === 1
      );
    },
    /** The current version of a region (deleted or not): its number and RLE counts; undefined when the region is gone. */
    currentVersionOf(annotationId: number): { version: number; counts: string } | undefined {
      return currentVersionOf.get(annotationId) as { version: number; counts: string } | undefined;
    },
    /** One stored version of a region, as a new version would take it (undo copies it back). */
    versionContent(
      annotationId: number,
      version: number,
    ): { rle: Rle; area: number; bbox: [number, number, number, number]; deleted: boolean } | undefined {
      const r = versionContent.get(annotationId, version) as
        { height: number; width: number; rle: string; area: number; bbox: string; deleted: number } | undefined;
      if (r === undefined) return undefined;
      return {
        rle: { size: [r.height, r.width], counts: r.rle },
        area: r.area,
        bbox: JSON.parse(r.bbox) as [number, number, number, number],
        deleted: r.deleted === 1,
      };
    },
    /** Every region of a sample with its current version, deleted ones included, and how many versions it has. */
    regionsForSample(sampleId: number): Array<{
      annotationId: number;
      classIdx: number;
      version: number;
      versions: number;
      area: number;
      deleted: boolean;
      source: string;
    }> {
      const rows = db
        .prepare(
          `SELECT a.id, a.class_idx, a.current_version AS version, v.area, v.deleted, v.source,
             (SELECT COUNT(*) FROM annotation_versions x WHERE x.annotation_id = a.id) AS versions
           FROM annotations a JOIN annotation_versions v ON v.annotation_id = a.id AND v.version = a.current_version
           WHERE a.sample_id = ? ORDER BY a.id`,
        )
        .all(sampleId) as Array<{
        id: number;
        class_idx: number;
        version: number;
        area: number;
        deleted: number;
        source: string;
        versions: number;
      }>;
      return rows.map((r) => ({
        annotationId: r.id,
        classIdx: r.class_idx,
        version: r.version,
        versions: r.versions,
        area: r.area,
        deleted: r.deleted === 1,
        source: r.source,
      }));
    },
    history: historyRepo(db),
  };
}
export type AnnotationsRepo = ReturnType<typeof annotationsRepo>;

/** The undo/redo rows and the per-image revision counter. */
function historyRepo(db: Db) {
  const insertEdit = db.prepare(
    'INSERT INTO annotation_edits (image_id, sample_id, x, y, w, h, before, after, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const cols = 'id, image_id, sample_id, x, y, w, h, before, after, undone';
  // Undo and redo step through one sample's edits (an image's label map, or one referring query's mask);
  // the revision counts every edit of the image.
  const lastActive = db.prepare(
    `SELECT ${cols} FROM annotation_edits WHERE image_id = ? AND sample_id = ? AND undone = 0 ORDER BY id DESC LIMIT 1`,
  );
  const firstUndone = db.prepare(
    `SELECT ${cols} FROM annotation_edits WHERE image_id = ? AND sample_id = ? AND undone = 1 ORDER BY id ASC LIMIT 1`,
  );
  const depth = db.prepare(
    'SELECT COALESCE(SUM(undone = 0), 0) AS undo, COALESCE(SUM(undone = 1), 0) AS redo FROM annotation_edits WHERE image_id = ? AND sample_id = ?',
  );
  const getRevision = db.prepare('SELECT revision FROM annotation_revisions WHERE image_id = ?');
  const bump = db.prepare(
    'INSERT INTO annotation_revisions (image_id, revision) VALUES (?, 1) ON CONFLICT(image_id) DO UPDATE SET revision = revision + 1 RETURNING revision',
  );
  return {
    revision(imageId: number): number {
      return (getRevision.get(imageId) as { revision: number } | undefined)?.revision ?? 0;
    },
    bumpRevision(imageId: number): number {
      return (bump.get(imageId) as { revision: number }).revision;
    },
    depth(imageId: number, sampleId: number): { undo: number; redo: number } {
      return depth.get(imageId, sampleId) as { undo: number; redo: number };
    },
    /**
     * Which region versions an edit replaced (migration 15), as its last apply or redo wrote them; null
     * for rows written before (undo then writes the edit's pixels back).
     */
    regionsOf(editId: number): RegionStep[] | null {
      const text = db.prepare('SELECT regions FROM annotation_edits WHERE id = ?').pluck().get(editId) as string | null | undefined;
      return text === null || text === undefined ? null : (JSON.parse(text) as RegionStep[]);
    },
    /** Keeps what a redo wrote, for the next undo. */
    setRegions(editId: number, regions: readonly RegionStep[]): void {
      db.prepare('UPDATE annotation_edits SET regions = ? WHERE id = ?').run(JSON.stringify(regions), editId);
    },
    /** Records an edit; a new edit ends the sample's redo branch, so its undone rows go. */
    record(e: NewEdit): number {
      db.prepare('DELETE FROM annotation_edits WHERE image_id = ? AND sample_id = ? AND undone = 1').run(e.imageId, e.sampleId);
      const bytes = e.before.byteLength + e.after.byteLength;
      const info = insertEdit.run(
        e.imageId,
        e.sampleId,
        e.box.x,
        e.box.y,
        e.box.w,
        e.box.h,
        e.before,
        e.after,
        bytes,
        new Date().toISOString(),
      );
      const id = Number(info.lastInsertRowid);
      this.setRegions(id, e.regions);
      return id;
    },
    lastActive(imageId: number, sampleId: number): EditRow | undefined {
      const r = lastActive.get(imageId, sampleId) as EditSqlRow | undefined;
      return r === undefined ? undefined : toEdit(r);
    },
    firstUndone(imageId: number, sampleId: number): EditRow | undefined {
      const r = firstUndone.get(imageId, sampleId) as EditSqlRow | undefined;
      return r === undefined ? undefined : toEdit(r);
    },
    setUndone(editId: number, undone: boolean): void {
      db.prepare('UPDATE annotation_edits SET undone = ? WHERE id = ?').run(undone ? 1 : 0, editId);
    },
    totalBytes(): number {
      return (db.prepare('SELECT COALESCE(SUM(bytes), 0) AS n FROM annotation_edits').get() as { n: number }).n;
    },
    /**
     * Drops the oldest rows of the whole workspace until the history fits `budgetBytes`; `keepId` (the
     * edit just made) always stays, so the newest edit can be undone however large it is.
     */
    trimToBudget(budgetBytes: number, keepId: number): number {
      let total = this.totalBytes();
      if (total <= budgetBytes) return 0;
      const rows = db.prepare('SELECT id, bytes FROM annotation_edits WHERE id <> ? ORDER BY id ASC').iterate(keepId) as IterableIterator<{
        id: number;
        bytes: number;
      }>;
      const drop: number[] = [];
      for (const r of rows) {
        if (total <= budgetBytes) break;
        drop.push(r.id);
        total -= r.bytes;
      }
      const del = db.prepare('DELETE FROM annotation_edits WHERE id = ?');
      for (const id of drop) del.run(id);
      return drop.length;
    },
  };
}
