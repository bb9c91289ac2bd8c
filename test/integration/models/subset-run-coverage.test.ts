// Probe V: a model run made with `run --subset TAG` was scored over the whole dataset: the images it
// never ran on counted as all-background predictions in eval, compare and reports, with no warning.
// A run started on a subset covers the samples its starts asked for (migration 18, run_samples): eval
// scores those and counts the rest as unpredicted, exactly as the same model run on the whole
// dataset scores on that subset; later tag edits do not move what it covers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeToys } from '../../../tools/toy-models';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';
import { engineInternals } from '../../../src/main/engine/internals';

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let datasetId: number;
let modelId: number;
const ids = new Map<string, number>();

beforeAll(async () => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  const models = join(t.dir, 'models');
  mkdirSync(models);
  writeToys(models, ['semantic-seg']);
  modelId = (await env.client.call('models.add', { manifestPath: join(models, 'toy-colour-semantic.manifest.json') })).id;
  // Six scenes; the toy model gets some right and some wrong, so scores differ per image.
  const scenes = Array.from({ length: 6 }, (_, k) => ({
    name: `s${k}`,
    width: 40,
    height: 30,
    rects: [
      { x: 2 + k, y: 3, w: 14, h: 10, cls: 1 + (k % 3) },
      { x: 20, y: 12 + (k % 4), w: 12, h: 9, cls: 1 + ((k + 1) % 3) },
    ],
  }));
  const data = await writeSceneDataset(join(t.dir, 'scenes'), scenes);
  const imp = await finishJob(env.client, () =>
    env.client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'scenes' }),
  );
  expect(imp.error).toBeNull();
  datasetId = Number(imp.result?.['datasetId']);
  const page = await env.client.call('images.page', { datasetId, offset: 0, limit: 100 });
  for (const i of page.items) ids.set(i.fileName.replace(/\.png$/, ''), i.id);
  await env.client.call('tags.apply', { tag: 'few', imageIds: [ids.get('s1')!, ids.get('s4')!] });
  await env.client.call('tags.apply', { tag: 'more', imageIds: [ids.get('s2')!] });
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

async function run(runName: string, subset?: string): Promise<number> {
  const done = await finishJob(env.client, () =>
    env.client.call('runs.start', { modelId, datasetId, device: 'cpu', runName, ...(subset === undefined ? {} : { subset }) }),
  );
  expect(done.error).toBeNull();
  return Number(done.result?.['runId']);
}

async function scores(runId: number, subset?: string) {
  expect((await finishJob(env.client, () => env.client.call('metrics.evaluate', { datasetId, runId }))).error).toBeNull();
  return env.client.call('metrics.scores', { datasetId, runId, ...(subset === undefined ? {} : { subset }) });
}

describe('a model run started on a subset', () => {
  it('is scored on the samples it ran on, as the whole-dataset run scores on that subset; the rest are unpredicted', async () => {
    const whole = await run('whole');
    const part = await run('part', 'few');
    const expected = await scores(whole, 'few');
    const got = await scores(part);
    expect(got.images).toBe(2);
    expect(got.unpredicted).toBe(4);
    expect(got.semantic).toEqual(expected.semantic);
    // Before: 6 images, the 4 it never ran on as background.
    expect((await scores(whole)).images).toBe(6);
    // runs list counts what each covers: every sample of the dataset, the samples its start listed.
    const listed = await env.client.call('runs.list', { datasetId });
    expect(listed.filter((r) => r.id === whole || r.id === part).map((r) => [r.name, r.predictedSamples])).toEqual([
      ['whole', 6],
      ['part', 2],
    ]);

    const perImage = await env.client.call('metrics.perImage', { datasetId, runId: part });
    const wholeFew = await env.client.call('metrics.perImage', { datasetId, runId: whole, subset: 'few' });
    expect(perImage.fileNames).toEqual(['s1.png', 's4.png']);
    expect(perImage.scores).toEqual(wholeFew.scores);

    // Compare pairs the images both runs cover.
    const compared = await env.client.call('metrics.compare', { datasetId, runIds: [whole, part] });
    expect(compared.images).toBe(2);
    expect(compared.perImage.map((p) => p.fileName).sort()).toEqual(['s1.png', 's4.png']);
  });

  it('keeps what it covers when the tag changes; a start on another subset adds it; the VOC export writes what it covers', async () => {
    const part = await run('part2', 'few');
    await env.client.call('tags.remove', { tag: 'few', imageIds: [ids.get('s4')!] });
    await env.client.call('tags.apply', { tag: 'few', imageIds: [ids.get('s5')!] });
    expect((await scores(part)).images).toBe(2);
    expect((await env.client.call('metrics.perImage', { datasetId, runId: part })).fileNames).toEqual(['s1.png', 's4.png']);

    // Resumed on another subset: it covers both.
    expect(await run('part2', 'more')).toBe(part);
    const both = await scores(part);
    expect(both.images).toBe(3);
    expect(both.unpredicted).toBe(3);

    const out = join(t.dir, 'voc-part2');
    const exported = await finishJob(env.client, () =>
      env.client.call('datasets.export', { datasetId, runId: part, format: 'voc', outDir: out }),
    );
    expect(exported.error).toBeNull();
    expect(
      readdirSync(out)
        .filter((f) => f.endsWith('.png'))
        .sort(),
    ).toEqual(['s1.png', 's2.png', 's4.png']);
    const coco = await finishJob(env.client, () =>
      env.client.call('datasets.export', { datasetId, runId: part, format: 'coco', outDir: join(t.dir, 'coco-part2') }),
    );
    expect(coco.result).toMatchObject({ images: 3, unpredicted: 0 });
  });

  it('a subset run made before migration 18 covers the samples tagged now and those it holds results for', async () => {
    const part = await run('old-part', 'few'); // few: s1, s5 now
    const { db } = engineInternals(env.engine);
    db.exec('DROP TABLE run_samples');
    db.pragma('user_version = 17');
    await env.engine.close();
    // What a build before schema 18 left: no record of what the run covered. The next open migrates.
    env = openTestEngine(join(t.dir, 'ws'));
    const covered = engineInternals(env.engine)
      .db.prepare(
        'SELECT i.file_name FROM run_samples rs JOIN samples s ON s.id = rs.sample_id JOIN images i ON i.id = s.image_id WHERE rs.run_id = ? ORDER BY 1',
      )
      .pluck()
      .all(part);
    expect(covered).toEqual(['s1.png', 's5.png']);
    expect((await scores(part)).images).toBe(2);
  });

  it('a run that covers the whole dataset stays whole when resumed on a subset; a whole start makes a subset run whole', async () => {
    const whole = await run('whole2');
    expect(await run('whole2', 'few')).toBe(whole);
    expect((await scores(whole)).images).toBe(6);
    const part = await run('part3', 'few');
    expect((await scores(part)).images).toBe(2);
    expect(await run('part3')).toBe(part);
    const all = await scores(part);
    expect(all.images).toBe(6);
    expect(all.unpredicted).toBe(0);
  });
});
