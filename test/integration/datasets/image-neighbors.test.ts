import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perImageRows } from '../../../src/shared/api/methods/metrics';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { makeFolderDataset, tempDir, writeFolderPredictions } from '../../helpers/fixtures';
import { labelMapToRles } from '../../../src/main/engine/masks/labelMap';
import { engineInternals } from '../../../src/main/engine/internals';

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let datasetId = 0;
let ids: number[] = [];
const N = 8;
const W = 64;
const H = 48;

beforeAll(async () => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  const data = await makeFolderDataset(t.dir, N, { w: W, h: H });
  const done = await finishJob(env.client, () =>
    env.client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'd' }),
  );
  datasetId = Number(done.result?.['datasetId']);
  ids = (await env.client.call('images.page', { datasetId })).items.map((i) => i.id);
  // A run that predicts the ground truth on even images and nothing on odd ones, and a shifted copy on img_003.
  const repos = engineInternals(env.engine).repos;
  const runId = repos.runs.create({ datasetId, name: 'r', source: 'import', status: 'complete' });
  for (const [k, imageId] of ids.entries()) {
    const gt = data.labels[k]!;
    const pred = new Uint8Array(W * H);
    if (k % 2 === 0) pred.set(gt.map((v) => (v === 255 ? 0 : v)));
    if (k === 3) for (let i = 0; i < pred.length; i++) pred[i] = i % W < 20 && gt[i] !== 255 ? (gt[i] as number) : 0;
    const sampleId = repos.images.semanticSampleId(imageId)!;
    repos.predictions.replaceForSample(
      runId,
      sampleId,
      labelMapToRles(pred, H, W).map((r) => ({ runId, sampleId, classIdx: r.classIdx, rle: r.rle, area: r.area })),
    );
  }
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

/** Walks next from the first image of the view to the end, returning the ids and the positions reported. */
async function walk(first: number, input: Record<string, unknown>): Promise<{ order: number[]; positions: Array<number | null> }> {
  const order = [first];
  const positions: Array<number | null> = [];
  for (;;) {
    const n = await env.client.call('images.neighbors', { datasetId, imageId: order[order.length - 1]!, ...input });
    positions.push(n.index);
    if (n.nextId === null) break;
    order.push(n.nextId);
    if (order.length > 100) throw new Error('no end');
  }
  return { order, positions };
}

describe('images.neighbors: previous / next in the gallery view', () => {
  it('follows file-name order under a tag filter, with positions and ends', async () => {
    await env.client.call('tags.apply', { tag: 'odd', imageIds: ids.filter((_, k) => k % 2 === 1) });
    const odd = ids.filter((_, k) => k % 2 === 1);
    const { order, positions } = await walk(odd[0]!, { tag: 'odd' });
    expect(order).toEqual(odd);
    expect(positions).toEqual([0, 1, 2, 3]);
    const firstN = await env.client.call('images.neighbors', { datasetId, imageId: odd[0]!, tag: 'odd' });
    expect(firstN).toEqual({ index: 0, total: 4, previousId: null, nextId: odd[1] });
    const all = await env.client.call('images.neighbors', { datasetId, imageId: ids[3]! });
    expect(all).toEqual({ index: 3, total: N, previousId: ids[2], nextId: ids[4] });
  });

  it('an image outside the view gets the neighbours of the place it would have', async () => {
    // img_002 is not tagged "odd": it sits between img_001 and img_003.
    const n = await env.client.call('images.neighbors', { datasetId, imageId: ids[2]!, tag: 'odd' });
    expect(n).toEqual({ index: null, total: 4, previousId: ids[1], nextId: ids[3] });
    const before = await env.client.call('images.neighbors', { datasetId, imageId: ids[0]!, tag: 'odd' });
    expect(before).toEqual({ index: null, total: 4, previousId: null, nextId: ids[1] });
  });

  it('follows a run score order (worst first, best first) as the gallery sorts it', async () => {
    const runId = (await env.client.call('runs.list', { datasetId }))[0]!.id;
    const scores = perImageRows(await env.client.call('metrics.perImage', { datasetId, runId }));
    const byName = (a: { fileName: string }, b: { fileName: string }): number => (a.fileName < b.fileName ? -1 : 1);
    const asc = [...scores].sort((a, b) => (a.score ?? 2) - (b.score ?? 2) || byName(a, b)).map((s) => s.imageId);
    expect(new Set(scores.map((s) => s.score)).size).toBeGreaterThan(2);
    const up = await walk(asc[0]!, { sort: { by: 'score', runId, order: 'asc' } });
    expect(up.order).toEqual(asc);
    const desc = [...scores].sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || byName(a, b)).map((s) => s.imageId);
    const down = await walk(desc[0]!, { sort: { by: 'score', runId, order: 'desc' } });
    expect(down.order).toEqual(desc);
    // Score order and a filter together: only the odd images, worst first.
    const oddAsc = asc.filter((id) => ids.indexOf(id) % 2 === 1);
    expect((await walk(oddAsc[0]!, { tag: 'odd', sort: { by: 'score', runId, order: 'asc' } })).order).toEqual(oddAsc);
  });

  it('refuses an image of another dataset or an unknown one in one line', async () => {
    await expect(env.client.call('images.neighbors', { datasetId, imageId: 99999 })).rejects.toThrow(/image 99999 not found/);
    await expect(env.client.call('images.neighbors', { datasetId: 777, imageId: ids[0]! })).rejects.toThrow(/dataset 777 not found/);
  });

  it('lists referring queries per image (none for a semantic dataset)', async () => {
    expect(await env.client.call('images.queries', { datasetId, imageIds: ids })).toEqual([]);
    const sampleId = engineInternals(env.engine).repos.images.createSample(ids[1]!, 'the red thing');
    expect(sampleId).toBeGreaterThan(0);
    expect(await env.client.call('images.queries', { datasetId, imageIds: [ids[1]!, ids[2]!] })).toEqual([
      { imageId: ids[1], queries: ['the red thing'] },
    ]);
  });
});

describe('score order with images the run has no score for', () => {
  it('puts images without ground truth after every scored image, by name, and steps through all of them', async () => {
    // Probe AA F3: the score-sorted gallery and images.neighbors left out images without ground truth
    // (4 of 6 shown, neighbours of a left-out image "index null, total 4"), where the contract says
    // undefined scores come last.
    const data = await makeFolderDataset(join(t.dir, 'partial'), 6, { w: W, h: H });
    for (const k of [1, 4]) rmSync(join(data.masks, `img_00${k}.png`));
    const done = await finishJob(env.client, () =>
      env.client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'partial' }),
    );
    const partial = Number(done.result?.['datasetId']);
    const all = (await env.client.call('images.page', { datasetId: partial })).items.map((i) => i.id);
    const preds = writeFolderPredictions(join(t.dir, 'partial-preds'), data.labels, { w: W, h: H });
    const imported = await finishJob(env.client, () =>
      env.client.call('runs.importPredictions', { datasetId: partial, run: 'p', format: 'png', path: preds }),
    );
    expect(imported.error).toBeNull();
    const runId = Number(imported.result?.['runId']);
    const listed = perImageRows(await env.client.call('metrics.perImage', { datasetId: partial, runId }));
    expect(listed.map((r) => r.imageId).sort((a, b) => a - b)).toEqual([all[0], all[2], all[3], all[5]]);
    const sort = { by: 'score', runId, order: 'asc' } as const;
    const first = await env.client.call('images.neighbors', { datasetId: partial, imageId: listed[0]!.imageId, sort });
    expect(first.total).toBe(6);
    // Every listed image scores 1 (the prediction is its ground truth): name order, then the two without.
    const walked: number[] = [all[0]!];
    for (;;) {
      const n = await env.client.call('images.neighbors', { datasetId: partial, imageId: walked[walked.length - 1]!, sort });
      expect(n.index).toBe(walked.length - 1);
      if (n.nextId === null) break;
      walked.push(n.nextId);
    }
    expect(walked).toEqual([all[0], all[2], all[3], all[5], all[1], all[4]]);
    // Outside a filtered view (tag on img_000 and img_004 only), img_001 has the place its name gives among the unscored.
    await env.client.call('tags.apply', { tag: 'pair', imageIds: [all[0]!, all[4]!] });
    expect(await env.client.call('images.neighbors', { datasetId: partial, imageId: all[1]!, tag: 'pair', sort })).toEqual({
      index: null,
      total: 2,
      previousId: all[0],
      nextId: all[4],
    });
  });
});

describe('images.summaries (the tiles of a score-sorted gallery)', () => {
  it('returns the tiles of the given ids in that order, with the same fields as a page', async () => {
    const page = (await env.client.call('images.page', { datasetId })).items;
    const wanted = [ids[5]!, ids[0]!, ids[3]!];
    const got = await env.client.call('images.summaries', { datasetId, imageIds: wanted });
    expect(got.map((s) => s.id)).toEqual(wanted);
    for (const s of got) expect(s).toEqual(page.find((p) => p.id === s.id));
  });

  it('leaves out ids of no image or of another dataset, and refuses an unknown dataset', async () => {
    const other = await makeFolderDataset(join(t.dir, 'other'), 2, { w: W, h: H });
    const done = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: other.images, name: 'other' }));
    const otherId = Number(done.result?.['datasetId']);
    const otherImage = (await env.client.call('images.page', { datasetId: otherId })).items[0]!.id;
    const got = await env.client.call('images.summaries', { datasetId, imageIds: [ids[1]!, otherImage, 999_999] });
    expect(got.map((s) => s.id)).toEqual([ids[1]]);
    await expect(env.client.call('images.summaries', { datasetId: 424_242, imageIds: [ids[1]!] })).rejects.toThrow(/not found/);
    await expect(
      env.client.call('images.summaries', { datasetId, imageIds: Array.from({ length: 1001 }, (_, k) => k + 1) }),
    ).rejects.toThrow();
  });
});
