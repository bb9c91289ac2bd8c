import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { makeFolderDataset, tempDir } from '../../helpers/fixtures';

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
beforeAll(() => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

describe('saved filters', () => {
  it('save, list, replace and delete named gallery filters that select the same images again', async () => {
    const data = await makeFolderDataset(t.dir, 4);
    const done = await finishJob(env.client, () =>
      env.client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks, name: 'd' }),
    );
    const datasetId = Number(done.result?.['datasetId']);
    const page = await env.client.call('images.page', { datasetId });
    await env.client.call('tags.apply', { tag: 'hard', imageIds: [page.items[1]!.id, page.items[3]!.id] });
    const saved = await env.client.call('filters.save', { datasetId, name: 'hard ones', filter: { tag: 'hard', hasGroundTruth: true } });
    expect(saved).toMatchObject({ name: 'hard ones', filter: { tag: 'hard', hasGroundTruth: true } });
    const again = await env.client.call('filters.save', { datasetId, name: 'hard ones', filter: { tag: 'hard' } });
    expect(again.id).toBe(saved.id);
    const list = await env.client.call('filters.list', { datasetId });
    expect(list.map((f) => [f.name, f.filter])).toEqual([['hard ones', { tag: 'hard' }]]);
    const subset = await env.client.call('images.page', { datasetId, ...list[0]!.filter });
    expect(subset.items.map((i) => i.fileName)).toEqual(['img_001.png', 'img_003.png']);
    await env.client.call('filters.delete', { id: saved.id });
    expect(await env.client.call('filters.list', { datasetId })).toEqual([]);
    await expect(env.client.call('filters.delete', { id: saved.id })).rejects.toThrow(/not found/);
    await expect(env.client.call('filters.save', { datasetId: 999, name: 'x', filter: {} })).rejects.toThrow(/dataset 999 not found/);
  });
});
