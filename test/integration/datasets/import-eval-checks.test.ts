import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tessera } from '../../helpers/cli';
import { tempDir, writeGreyMask, writeSolidImage } from '../../helpers/fixtures';
import { ApiError } from '../../../src/shared';
import { finishJob } from '../../helpers/engine';
import { makeCocoDataset } from './generate';
import { setup } from './store';

let root: string;
let cleanup: () => void;
beforeAll(() => {
  const t = tempDir();
  root = t.dir;
  cleanup = t.cleanup;
});
afterAll(() => cleanup());

/** The runs a workspace holds, hidden ones too, straight from SQLite. */
function storedRuns(ws: string): Array<{ name: string; status: string }> {
  const db = new Database(join(ws, 'tessera.db'), { readonly: true });
  try {
    return db.prepare('SELECT name, status FROM runs ORDER BY id').all() as Array<{ name: string; status: string }>;
  } finally {
    db.close();
  }
}

describe('tessera import predictions --eval', () => {
  it('refuses up front what eval would refuse, with nothing imported, so the same command works once fixed', async () => {
    const ws = join(root, 'ws-unlabelled');
    const run = (args: string[]) => tessera(['--workspace', ws, ...args]);
    const images = join(root, 'img');
    const preds = join(root, 'pred');
    mkdirSync(images);
    mkdirSync(preds);
    for (const name of ['a', 'b', 'c']) {
      await writeSolidImage(join(images, `${name}.png`), 40, 30, [90, 100, 110]);
      writeGreyMask(join(preds, `${name}.png`), 40, 30, new Uint8Array(40 * 30).fill(1));
    }
    expect(run(['init']).code).toBe(0);
    expect(run(['import', 'folder', images, '--name', 'nomask']).code).toBe(0);

    const refused = run(['import', 'predictions', preds, '--dataset', 'nomask', '--run', 'p', '--format', 'png', '--eval']);
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: dataset "nomask" has no ground truth to evaluate against (it was imported without masks)\n',
    });
    expect(storedRuns(ws)).toEqual([]);
    expect(run(['runs', 'list', '--dataset', 'nomask']).stdout).toBe(
      'dataset "nomask" has no runs yet: try "tessera run --model M --dataset nomask"\n',
    );
    // The same run name is free: imported without --eval it is a run to look at.
    const plain = run(['import', 'predictions', preds, '--dataset', 'nomask', '--run', 'p', '--format', 'png']);
    expect(plain).toMatchObject({ code: 0, stdout: 'imported run "p" (id 1): 3 regions on 3 images\n' });
    expect(storedRuns(ws)).toEqual([{ name: 'p', status: 'complete' }]);
  });

  it('an eval that fails after the import says the run was imported, and exits 1', async () => {
    const ws = join(root, 'ws-coco');
    const run = (args: string[]) => tessera(['--workspace', ws, ...args]);
    const coco = await makeCocoDataset(join(root, 'coco'), { n: 2 });
    expect(run(['init']).code).toBe(0);
    expect(run(['import', 'coco', coco.annotations, '--images', coco.images]).code).toBe(0);
    // Ground truth outside the dataset's classes (its top class row removed behind Tessera's back):
    // found only when the masks are counted, so after the run was imported.
    const db = new Database(join(ws, 'tessera.db'));
    try {
      expect(db.prepare('DELETE FROM classes WHERE idx = 3').run().changes).toBe(1);
    } finally {
      db.close();
    }
    const results = join(root, 'results.json');
    writeFileSync(
      results,
      JSON.stringify(
        coco.doc.annotations
          .filter((a) => a.category_id === 3)
          .map((a) => ({ image_id: a.image_id, category_id: 3, segmentation: a.segmentation, score: 0.9 })),
      ),
    );
    const failed = run(['import', 'predictions', results, '--dataset', 'instances', '--run', 'r', '--format', 'coco-results', '--eval']);
    expect(failed).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: imported run "r" (id 1): 2 regions on 2 images; evaluation failed: dataset "instances": image 000000001000.png: ground-truth region 2 has class 3, outside the dataset\'s classes [0, 3) and not ignore (255)\n',
    });
    expect(storedRuns(ws)).toEqual([{ name: 'r', status: 'complete' }]);
  });

  it('the engine refuses a heatmap import that is to be scored as masks before its job starts', async () => {
    const s = setup();
    const coco = await makeCocoDataset(join(s.root, 'coco'), { n: 1 });
    await finishJob(s.client, () => s.client.call('datasets.importCoco', { annotations: coco.annotations, imagesDir: coco.images }));
    const [dataset] = await s.client.call('datasets.list', {});
    const refused = s.client.call('runs.importPredictions', {
      datasetId: dataset!.id,
      run: 'cams',
      format: 'npy',
      path: s.root,
      evaluate: true,
    });
    await expect(refused).rejects.toThrow(ApiError);
    await expect(refused).rejects.toThrow(
      '--format npy imports heatmaps, and eval scores masks: import them without evaluating (eval --cam-sweep scores [C,H,W] CAMs)',
    );
    expect(await s.client.call('runs.list', { datasetId: dataset!.id })).toEqual([]);
  });
});
