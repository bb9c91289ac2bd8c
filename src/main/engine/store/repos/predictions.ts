import type { Db } from '../db';
import { multiRowInsert } from '../multiInsert';
import type { Rle } from '../../masks/rle';
import { geometryFromMeta } from '../../../../shared/domain/heatmapGeometry';

export interface PredictionRegion {
  runId: number;
  sampleId: number;
  classIdx: number;
  /** Instance number within (run, sample, class); 0 for semantic label maps. */
  instance?: number;
  rle: Rle;
  area: number;
  score?: number | null;
}

export type HeatmapDtype = 'float16' | 'float32' | 'uint8';

export interface Heatmap {
  name: string;
  shape: number[];
  dtype: HeatmapDtype;
  data: Uint8Array;
  /**
   * Free-form facts about the map; `geometry` (a HeatmapGeometry, src/shared/domain/heatmapGeometry.ts)
   * places a model's map on the image. Without it (imported maps) the map covers the whole image.
   */
  meta: Record<string, unknown>;
}

/**
 * Owns `predictions` and `heatmaps`. Writes are upserts keyed by (run, sample, ...), so a resumed or
 * repeated run item replaces its rows instead of duplicating them.
 */
/** Whether a Buffer is the whole of its ArrayBuffer (not a slice of Node's shared pool). */
function ownsBuffer(b: Buffer): boolean {
  return b.byteOffset === 0 && b.buffer.byteLength === b.byteLength;
}

export function predictionsRepo(db: Db) {
  const heatmapRow = db.prepare('SELECT name, shape, dtype, data, meta FROM heatmaps WHERE run_id = ? AND sample_id = ? AND name = ?');
  const upsert = db.prepare(
    `INSERT INTO predictions (run_id, sample_id, class_idx, instance, height, width, rle, area, score)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (run_id, sample_id, class_idx, instance) DO UPDATE SET
       height = excluded.height, width = excluded.width, rle = excluded.rle, area = excluded.area, score = excluded.score`,
  );
  const deleteForSample = db.prepare('DELETE FROM predictions WHERE run_id = ? AND sample_id = ?');
  const countInserted = db.prepare(
    `INSERT INTO prediction_revs (run_id, sample_id, rev) VALUES (?, ?, ?)
     ON CONFLICT (run_id, sample_id) DO UPDATE SET rev = rev + excluded.rev`,
  );
  const insertRows = multiRowInsert(db, 'predictions', [
    'run_id',
    'sample_id',
    'class_idx',
    'instance',
    'height',
    'width',
    'rle',
    'area',
    'score',
  ]);
  const upsertHeatmap = db.prepare(
    `INSERT INTO heatmaps (run_id, sample_id, name, shape, dtype, data, meta) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (run_id, sample_id, name) DO UPDATE SET shape = excluded.shape, dtype = excluded.dtype, data = excluded.data, meta = excluded.meta`,
  );
  return {
    /** Replaces everything a run holds for one sample (one item of a job = one call, in one transaction). */
    replaceForSample(runId: number, sampleId: number, regions: readonly PredictionRegion[]): void {
      deleteForSample.run(runId, sampleId);
      for (const r of regions)
        upsert.run(runId, sampleId, r.classIdx, r.instance ?? 0, r.rle.size[0], r.rle.size[1], r.rle.counts, r.area, r.score ?? null);
    },
    /**
     * The regions of one sample of a run being imported (hidden: `runs.hidden_by` set) that holds
     * none for it yet: plain inserts, no delete or upsert. A region already there fails the UNIQUE
     * key. Only for hidden runs: the sample's prediction counter is raised here, not by the trigger.
     */
    insertIntoHiddenRun(runId: number, sampleId: number, regions: ReadonlyArray<Omit<PredictionRegion, 'runId' | 'sampleId'>>): void {
      if (regions.length === 0) return;
      const values: unknown[] = [];
      for (const r of regions)
        values.push(runId, sampleId, r.classIdx, r.instance ?? 0, r.rle.size[0], r.rle.size[1], r.rle.counts, r.area, r.score ?? null);
      insertRows(values);
      // The insert trigger skips a hidden run's rows (migration 11): count them here, as it would have.
      countInserted.run(runId, sampleId, regions.length);
    },
    forSample(
      runId: number,
      sampleId: number,
    ): Array<{ classIdx: number; instance: number; rle: Rle; area: number; score: number | null }> {
      const rows = db
        .prepare(
          // Paint order (every reader paints in this order, later on top): results without a score by
          // class and instance, then by score, lowest first, so the most confident result is on top.
          `SELECT class_idx, instance, height, width, rle, area, score FROM predictions WHERE run_id = ? AND sample_id = ?
           ORDER BY score IS NOT NULL, score, class_idx, instance`,
        )
        .all(runId, sampleId) as Array<{
        class_idx: number;
        instance: number;
        height: number;
        width: number;
        rle: string;
        area: number;
        score: number | null;
      }>;
      return rows.map((r) => ({
        classIdx: r.class_idx,
        instance: r.instance,
        rle: { size: [r.height, r.width], counts: r.rle },
        area: r.area,
        score: r.score,
      }));
    },
    /** Samples that already have results in this run: what a resumed job skips. */
    doneSampleIds(runId: number): Set<number> {
      const rows = db
        .prepare('SELECT sample_id FROM predictions WHERE run_id = ? UNION SELECT sample_id FROM heatmaps WHERE run_id = ?')
        .all(runId, runId) as Array<{ sample_id: number }>;
      return new Set(rows.map((r) => r.sample_id));
    },
    saveHeatmap(runId: number, sampleId: number, h: Heatmap): void {
      geometryFromMeta(h.meta); // a malformed geometry is a bug in whatever made the map: never store it
      upsertHeatmap.run(
        runId,
        sampleId,
        h.name,
        JSON.stringify(h.shape),
        h.dtype,
        Buffer.from(h.data.buffer, h.data.byteOffset, h.data.byteLength),
        JSON.stringify(h.meta),
      );
    },
    heatmap(runId: number, sampleId: number, name: string): Heatmap | undefined {
      const row = heatmapRow.get(runId, sampleId, name) as
        { name: string; shape: string; dtype: HeatmapDtype; data: Buffer; meta: string } | undefined;
      if (row === undefined) return undefined;
      return {
        name: row.name,
        shape: JSON.parse(row.shape) as number[],
        dtype: row.dtype,
        // The blob's own buffer (a CAM set is ~1.5 MB an image): copied only where it shares one.
        data: ownsBuffer(row.data) ? new Uint8Array(row.data.buffer, 0, row.data.byteLength) : new Uint8Array(row.data),
        meta: JSON.parse(row.meta) as Record<string, unknown>,
      };
    },
    /** Name, shape, dtype and meta of a sample's heatmaps, without reading their data. */
    heatmapInfos(runId: number, sampleId: number): Array<Omit<Heatmap, 'data'>> {
      const rows = db
        .prepare('SELECT name, shape, dtype, meta FROM heatmaps WHERE run_id = ? AND sample_id = ? ORDER BY name')
        .all(runId, sampleId) as Array<{
        name: string;
        shape: string;
        dtype: HeatmapDtype;
        meta: string;
      }>;
      return rows.map((r) => ({
        name: r.name,
        shape: JSON.parse(r.shape) as number[],
        dtype: r.dtype,
        meta: JSON.parse(r.meta) as Record<string, unknown>,
      }));
    },
    /** How many heatmaps named `name` the run stored. */
    heatmapCount(runId: number, name: string): number {
      return (db.prepare('SELECT COUNT(*) AS n FROM heatmaps WHERE run_id = ? AND name = ?').get(runId, name) as { n: number }).n;
    },
    heatmapNames(runId: number, sampleId: number): string[] {
      return (
        db.prepare('SELECT name FROM heatmaps WHERE run_id = ? AND sample_id = ? ORDER BY name').all(runId, sampleId) as Array<{
          name: string;
        }>
      ).map((r) => r.name);
    },
  };
}
export type PredictionsRepo = ReturnType<typeof predictionsRepo>;
