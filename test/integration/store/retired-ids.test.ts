/**
 * Probe R: ids of deleted runs, datasets and images were given out again (INTEGER PRIMARY KEY takes the
 * largest id + 1), so a saved link or open tab to run 8 showed the next run's scores, an old job's title
 * named the new run, and a browser-cached /blob/thumb/<id> showed a deleted image for the new one.
 * Since migration 17 (store/retiredIds.ts) every id is above every id its table has held.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ImportResult } from '../../../src/shared';
import { PredictionsImportResult } from '../../../src/shared/api/methods/datasets';
import { engineInternals } from '../../../src/main/engine/internals';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { rectLabels, tempDir, writeGreyMask, writeSolidImage } from '../../helpers/fixtures';

const W = 16;
const H = 12;

/** Empty predictions for images `${prefix}_0..n-1.png`. */
function predictions(dir: string, prefix: string, n: number): string {
  mkdirSync(dir, { recursive: true });
  for (let k = 0; k < n; k++) writeGreyMask(join(dir, `${prefix}_${k}.png`), W, H, new Uint8Array(W * H));
  return dir;
}

async function folder(root: string, name: string, n: number): Promise<{ images: string; masks: string }> {
  const images = join(root, name, 'img');
  const masks = join(root, name, 'mask');
  mkdirSync(images, { recursive: true });
  mkdirSync(masks, { recursive: true });
  for (let k = 0; k < n; k++) {
    await writeSolidImage(join(images, `${name}_${k}.png`), W, H, [k * 20, 40, 60]);
    writeGreyMask(join(masks, `${name}_${k}.png`), W, H, rectLabels(W, H, { x: 1, y: 1, w: 4, h: 4 }, 1));
  }
  return { images, masks };
}

describe('ids are never given out twice', () => {
  it('a run, dataset or image made after a delete gets a new id; the old id is not found', async () => {
    const t = tempDir();
    const { engine, client } = openTestEngine(join(t.dir, 'ws'));
    try {
      const a = await folder(t.dir, 'a', 3);
      const ds = ImportResult.parse(
        (await finishJob(client, () => client.call('datasets.importFolder', { dir: a.images, masksDir: a.masks }))).result,
      );
      const importRun = async (name: string): Promise<number> => {
        const dir = predictions(join(t.dir, `pred-${name}`), 'a', 3);
        const done = await finishJob(client, () =>
          client.call('runs.importPredictions', { datasetId: ds.datasetId, run: name, format: 'png', path: dir }),
        );
        expect(done.error).toBeNull();
        return PredictionsImportResult.parse(done.result).runId;
      };
      const first = await importRun('first');
      await client.call('runs.delete', { runId: first });
      const second = await importRun('second');
      expect(second).toBeGreaterThan(first);
      await expect(client.call('metrics.perImage', { datasetId: ds.datasetId, runId: first })).rejects.toThrow(/not found/);

      const imagesOfA = (await client.call('images.page', { datasetId: ds.datasetId })).items.map((i) => i.id);
      await client.call('datasets.delete', { datasetId: ds.datasetId });
      const b = await folder(t.dir, 'b', 2);
      const next = ImportResult.parse(
        (await finishJob(client, () => client.call('datasets.importFolder', { dir: b.images, masksDir: b.masks }))).result,
      );
      expect(next.datasetId).toBeGreaterThan(ds.datasetId);
      const imagesOfB = (await client.call('images.page', { datasetId: next.datasetId })).items.map((i) => i.id);
      expect(Math.min(...imagesOfB)).toBeGreaterThan(Math.max(...imagesOfA));
      await expect(client.call('images.get', { imageId: imagesOfA[0]! })).rejects.toThrow(/not found/);
      const third = await (async () => {
        const dir = predictions(join(t.dir, 'pred-third'), 'b', 2);
        const done = await finishJob(client, () =>
          client.call('runs.importPredictions', { datasetId: next.datasetId, run: 'third', format: 'png', path: dir }),
        );
        return PredictionsImportResult.parse(done.result).runId;
      })();
      expect(third).toBeGreaterThan(second);
      expect(engineInternals(engine).db.prepare('SELECT tbl, max_id FROM retired_ids ORDER BY tbl').all()).toEqual([
        { tbl: 'datasets', max_id: ds.datasetId },
        { tbl: 'images', max_id: Math.max(...imagesOfA) },
        { tbl: 'models', max_id: 0 },
        { tbl: 'runs', max_id: second },
      ]);
    } finally {
      await engine.close();
      t.cleanup();
    }
  });

  it('a workspace of schema 16 gets the floors on open, from the ids its job history names', async () => {
    const t = tempDir();
    const ws = join(t.dir, 'ws');
    const first = openTestEngine(ws);
    await first.engine.close();
    const raw = new Database(join(ws, 'tessera.db'));
    // Its job history names run 7, dataset 3 and model 2 (rows since deleted): those ids stay retired.
    raw.exec(`INSERT INTO jobs (id, kind, params, status, result, created_at, updated_at) VALUES
      ('j1', 'runs.importPredictions', '{"datasetId":3}', 'succeeded', '{"runId":7,"datasetId":3}', '2026-01-01', '2026-01-01'),
      ('j2', 'runs.start', '{"modelId":2,"datasetId":1}', 'failed', 'not json', '2026-01-01', '2026-01-01')`);
    raw.exec(
      `DROP TABLE run_samples; DROP TABLE retired_ids; ${['datasets', 'runs', 'images', 'models'].map((x) => `DROP TRIGGER retired_ids_${x};`).join(' ')}`,
    );
    raw.pragma('user_version = 16');
    raw.close();
    const again = openTestEngine(ws);
    try {
      expect(engineInternals(again.engine).db.prepare('SELECT tbl, max_id FROM retired_ids ORDER BY tbl').all()).toEqual([
        { tbl: 'datasets', max_id: 3 },
        { tbl: 'images', max_id: 0 },
        { tbl: 'models', max_id: 2 },
        { tbl: 'runs', max_id: 7 },
      ]);
    } finally {
      await again.engine.close();
      t.cleanup();
    }
  });
});
