import { afterEach } from 'vitest';
import { join } from 'node:path';
import type { Engine } from '../../../src/main/engine/engine';
import { paintLabelMap } from '../../../src/main/engine/masks';
import { openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';

const TABLES = [
  'datasets',
  'classes',
  'images',
  'samples',
  'annotations',
  'annotation_versions',
  'runs',
  'predictions',
  'heatmaps',
  'tags',
  'image_tags',
];

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fresh workspace in a temp dir, closed and removed after the test. */
export function setup(): ReturnType<typeof openTestEngine> & { root: string } {
  const t = tempDir();
  const opened = openTestEngine(join(t.dir, 'ws'));
  cleanups.push(t.cleanup, () => opened.engine.close());
  return { root: t.dir, ...opened };
}

/** Row counts of every table an import or a run import writes, plus SQLite's own integrity check. */
export function storeSnapshot(engine: Engine): { counts: Record<string, number>; integrity: unknown } {
  const db = engineInternals(engine).db;
  const counts = Object.fromEntries(TABLES.map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]));
  return { counts, integrity: db.pragma('integrity_check', { simple: true }) };
}

/** The ground-truth label map of a sample as the store holds it (regions painted in id order). */
export function sampleLabels(engine: Engine, sampleId: number, height: number, width: number): Uint8Array {
  return paintLabelMap(engineInternals(engine).repos.annotations.currentForSample(sampleId), height, width);
}

/** image file name -> {image id, sample ids, split, size} of a dataset. */
export function imagesByName(
  engine: Engine,
  datasetId: number,
): Map<string, { id: number; sampleIds: number[]; split: string | null; width: number; height: number; externalId: string | null }> {
  const db = engineInternals(engine).db;
  const rows = db
    .prepare('SELECT id, file_name, split, width, height, external_id FROM images WHERE dataset_id = ?')
    .all(datasetId) as Array<{
    id: number;
    file_name: string;
    split: string | null;
    width: number;
    height: number;
    external_id: string | null;
  }>;
  return new Map(
    rows.map((r) => [
      r.file_name,
      {
        id: r.id,
        split: r.split,
        width: r.width,
        height: r.height,
        externalId: r.external_id,
        sampleIds: (db.prepare('SELECT id FROM samples WHERE image_id = ? ORDER BY id').all(r.id) as Array<{ id: number }>).map(
          (s) => s.id,
        ),
      },
    ]),
  );
}
