import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ImportResult } from '../../../src/shared';
import { resolveSubset } from '../../../src/main/engine/tags/subset';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { tessera } from '../../helpers/cli';
import { makeVocRoot } from '../datasets/generate';
import { engineInternals } from '../../../src/main/engine/internals';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const t = tempDir();
  const ws = join(t.dir, 'ws');
  const { engine, client } = openTestEngine(ws);
  cleanups.push(t.cleanup, () => engine.close());
  const voc = await makeVocRoot(join(t.dir, 'voc'), { n: 4 });
  const result = ImportResult.parse(
    (await finishJob(client, () => client.call('datasets.importVoc', { root: voc.root, name: 'voc' }))).result,
  );
  const images = (await client.call('images.page', { datasetId: result.datasetId })).items;
  const idOf = (file: string): number => images.find((i) => i.fileName === file)?.id ?? 0;
  return { root: t.dir, ws, engine, client, datasetId: result.datasetId, idOf };
}

describe('tags and review state', () => {
  it('applies, lists, removes tags and announces each change', async () => {
    const { engine, client, datasetId, idOf } = await setup();
    const topics: string[][] = [];
    client.on('data.changed', (e) => topics.push(e.topics));
    const a = idOf('2007_000000.jpg');
    const b = idOf('2007_000001.jpg');
    expect(await client.call('tags.apply', { tag: 'hard', imageIds: [a, b] })).toMatchObject({ applied: 2 });
    expect(await client.call('tags.apply', { tag: 'hard', imageIds: [b] })).toMatchObject({ applied: 0 });
    const sample = engineInternals(engine).repos.images.semanticSampleId(idOf('2007_000003.jpg')) ?? 0;
    await client.call('tags.apply', { tag: 'hard', sampleIds: [sample] });
    expect(await client.call('tags.list', { datasetId })).toEqual([
      { id: expect.any(Number), name: 'hard', color: null, imageCount: 2, sampleCount: 1 },
    ]);
    expect(resolveSubset(engineInternals(engine), datasetId, 'hard').imageIds.sort()).toEqual([a, b, idOf('2007_000003.jpg')].sort());
    expect(resolveSubset(engineInternals(engine), datasetId).sampleIds).toHaveLength(4);
    expect(await client.call('tags.remove', { tag: 'hard', imageIds: [a] })).toEqual({ removed: 1 });
    expect(resolveSubset(engineInternals(engine), datasetId, 'hard').imageIds).not.toContain(a);
    expect(topics).toEqual([
      ['tags', 'images'],
      ['tags', 'images'],
      ['tags', 'images'],
      ['tags', 'images'],
    ]);
    const page = await client.call('images.page', { datasetId, tag: 'hard' });
    expect(page.items.map((i) => i.fileName)).toEqual(['2007_000001.jpg', '2007_000003.jpg']);
  });

  it('sets review state and refuses unknown ids, tags and datasets', async () => {
    const { engine, client, datasetId, idOf } = await setup();
    expect(await client.call('images.setReviewState', { imageIds: [idOf('2007_000002.jpg')], state: 'reviewed' })).toEqual({ updated: 1 });
    const row = engineInternals(engine).db.prepare('SELECT review_state FROM images WHERE id = ?').get(idOf('2007_000002.jpg'));
    expect(row).toEqual({ review_state: 'reviewed' });
    await expect(client.call('tags.apply', { tag: 'x', imageIds: [999_999] })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'image 999999 not found',
    });
    await expect(client.call('tags.remove', { tag: 'never', imageIds: [] })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'tag "never" not found',
    });
    await expect(client.call('tags.apply', { tag: 'a,b', imageIds: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(() => resolveSubset(engineInternals(engine), datasetId, 'nope')).toThrow('tag "nope" not found');
    expect(() => resolveSubset(engineInternals(engine), 4242)).toThrow('dataset 4242 not found');
    expect(engineInternals(engine).db.prepare('SELECT COUNT(*) AS n FROM tags').get()).toEqual({ n: 0 });
  });

  it('CLI: tags add/remove by split, file names or all; usage errors exit 2, unknown names exit 1', async () => {
    const { ws, engine } = await setup();
    await engine.close();
    const t = (args: string[]) => tessera(['--workspace', ws, ...args]);
    expect(t(['tags', 'add', 'val-set', '--dataset', 'voc', '--split', 'val']).stdout).toMatch(
      /tagged 2 image\(s\) of "voc" with "val-set" \(2 newly\)/,
    );
    expect(t(['tags', 'add', 'picked', '--dataset', 'voc', '--images', '2007_000000.jpg,2007_000003.jpg']).code).toBe(0);
    expect(t(['tags', 'add', 'everything', '--dataset', 'voc', '--all']).code).toBe(0);
    const list = JSON.parse(t(['tags', 'list', '--dataset', 'voc', '--json']).stdout) as Array<{ name: string; imageCount: number }>;
    expect(list.map((x) => [x.name, x.imageCount])).toEqual([
      ['everything', 4],
      ['picked', 2],
      ['val-set', 2],
    ]);
    expect(t(['tags', 'remove', 'picked', '--dataset', 'voc', '--images', '2007_000003.jpg']).stdout).toMatch(
      /removed "picked" from 1 image/,
    );
    const usage = t(['tags', 'add', 'x', '--dataset', 'voc']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/give exactly one of --images/);
    const unknown = t(['tags', 'add', 'x', '--dataset', 'voc', '--images', 'nope.jpg']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('error: nope.jpg is not an image of dataset "voc"');
    // --image takes one name as it is, repeated for more: a name may hold a comma (probe AA F6).
    const one = t(['tags', 'add', 'one', '--dataset', 'voc', '--image', '2007_000000.jpg', '--image', '2007_000003.jpg', '--json']);
    expect(one.code).toBe(0);
    expect(
      (JSON.parse(t(['tags', 'list', '--dataset', 'voc', '--json']).stdout) as Array<{ name: string; imageCount: number }>).find(
        (x) => x.name === 'one',
      )?.imageCount,
    ).toBe(2);
    const comma = t(['tags', 'add', 'x', '--dataset', 'voc', '--image', 'a,b.jpg']);
    expect(comma.stderr.trim()).toBe('error: a,b.jpg is not an image of dataset "voc"');
    const split = t(['tags', 'add', 'x', '--dataset', 'voc', '--split', 'test']);
    expect(split.stderr.trim()).toBe('error: dataset "voc" has no images in split "test" (splits: train, trainval, val)');
  });
});
