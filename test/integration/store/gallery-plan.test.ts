import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perImageRows } from '../../../src/shared/api/methods/metrics';
import { join } from 'node:path';
import { createClient, inProcessTransport, type TesseraClient } from '../../../src/shared';
import { createEngine, type Engine } from '../../../src/main/engine/engine';
import { classPlanFor, filteredIdsSql } from '../../../src/main/engine/store/repos/images';
import { fillGalleryWorkspace, type GalleryWorkspace } from '../../../bench/galleryWorkspace';
import { tempDir } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';

// The gallery's queries on a generated workspace (bench/galleryWorkspace.ts): their plans (no walk
// over a run's predictions per image, no sort of the dataset) and their answers, through the read
// worker and in the engine's thread alike.
const COUNT = 600;
let engine: Engine;
let client: TesseraClient;
let inThread: Engine;
let local: TesseraClient;
let g: GalleryWorkspace;
let cleanup: () => void;

/** The generator's pattern, image n (0-based) = file img_00000n.jpg. */
const expected = {
  all: () => Array.from({ length: COUNT }, (_, n) => n),
  partialRun: () => expected.all().filter((n) => n % 2 === 0),
  tagged: () => expected.all().filter((n) => n % 10 === 3),
  noGt: () => expected.all().filter((n) => n % 50 === 7),
  reviewed: () => expected.all().filter((n) => n % 5 === 3),
};

function plan(sql: string, params: unknown[]): string[] {
  return (
    engineInternals(engine)
      .db.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params) as Array<{ detail: string }>
  ).map((r) => r.detail);
}

beforeAll(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  engine = createEngine({ workspace: join(t.dir, 'ws'), create: true });
  g = fillGalleryWorkspace(engine, COUNT);
  client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
  inThread = createEngine({ workspace: join(t.dir, 'ws'), readWorker: false });
  local = createClient(inProcessTransport({ dispatch: inThread.dispatch, subscribe: (l) => inThread.events.subscribe(l) }));
});

afterAll(async () => {
  await inThread?.close();
  await engine?.close();
  cleanup?.();
});

describe('gallery query plans', () => {
  it('a run filter looks up each image’s samples by (run_id, sample_id), never all of the run’s predictions per image', () => {
    const { sql, params } = filteredIdsSql(g.datasetId, { runId: g.runId });
    const lines = plan(sql, params);
    // Before migration 4 and the rewrite: "SEARCH p USING COVERING INDEX sqlite_autoindex_predictions_1 (run_id=?)"
    // inside a correlated subquery, i.e. the run's whole prediction list once per image (100 s at 20k).
    expect(lines.filter((l) => /\b(p|predictions|h|heatmaps)\b/.test(l))).toEqual([
      expect.stringMatching(/^SEARCH p USING COVERING INDEX sqlite_autoindex_predictions_1 \(run_id=\? AND sample_id=\?\)$/),
      expect.stringMatching(/^SEARCH h USING COVERING INDEX sqlite_autoindex_heatmaps_1 \(run_id=\? AND sample_id=\?\)$/),
    ]);
    expect(lines.some((l) => /^SCAN/.test(l))).toBe(false);
  });

  it('pages and id lists walk the gallery-order index of migration 4 instead of sorting the dataset', () => {
    for (const filter of [{}, { runId: g.runId }, { tag: g.tag }, { hasGroundTruth: false }, { reviewState: 'reviewed' as const }]) {
      const { sql, params } = filteredIdsSql(g.datasetId, filter);
      const lines = plan(sql, params);
      expect(lines[0]).toMatch(/^SEARCH i USING (COVERING )?INDEX images_gallery_order \(dataset_id=\?\)$/);
      expect(lines.some((l) => l.includes('TEMP B-TREE'))).toBe(false);
    }
  });

  it('a class filter finds an image’s regions of that class through the (sample_id, class_idx) index, or reads the regions once', () => {
    const perImage = filteredIdsSql(g.datasetId, { classPresent: 5 }, 'per-image');
    expect(plan(perImage.sql, perImage.params)).toContain('SEARCH a USING INDEX annotations_by_sample_class (sample_id=? AND class_idx=?)');
    const byClass = plan(...(Object.values(filteredIdsSql(g.datasetId, { classPresent: 5 }, 'by-class')) as [string, unknown[]]));
    expect(byClass[0]).toMatch(/^SEARCH i USING COVERING INDEX images_gallery_order \(dataset_id=\?\)$/);
    expect(byClass).toContain('SCAN a');
    expect(byClass.some((l) => l.includes('TEMP B-TREE'))).toBe(false);
  });

  it('the class plan reads the regions once only for a dataset that is at least half of the workspace', () => {
    const { db } = engineInternals(engine);
    expect(classPlanFor(db, g.datasetId)).toBe('by-class');
    // A small second dataset, rolled back after: per image for it, still by class for the large one.
    let plans: string[] = [];
    try {
      db.transaction(() => {
        const small = Number(
          db.prepare("INSERT INTO datasets (name, format, task, created_at) VALUES ('small', 'folder', 'semantic', 'now')").run()
            .lastInsertRowid,
        );
        for (let k = 0; k < 5; k++)
          db.prepare("INSERT INTO images (dataset_id, path, file_name, sha256, bytes, width, height) VALUES (?, ?, ?, 'x', 1, 4, 4)").run(
            small,
            `/small/${k}.png`,
            `${k}.png`,
          );
        plans = [classPlanFor(db, small), classPlanFor(db, g.datasetId), classPlanFor(db, 999_999)];
        throw new Error('roll back');
      })();
    } catch (err) {
      if ((err as Error).message !== 'roll back') throw err;
    }
    expect(plans).toEqual(['per-image', 'by-class', 'per-image']);
  });
});

describe('gallery answers', () => {
  const names = (ns: number[]): string[] => ns.map((n) => `img_${String(n).padStart(6, '0')}.jpg`);

  it('every filter gives the images the generator made, in file-name order, the same with and without the read worker', async () => {
    expect(engineInternals(engine).reads.threaded).toBe(true);
    expect(engineInternals(inThread).reads.threaded).toBe(false);
    const cases = [
      { filter: {}, want: expected.all() },
      { filter: { runId: g.partialRunId }, want: expected.partialRun() },
      { filter: { runId: g.runId }, want: expected.all() },
      { filter: { tag: g.tag }, want: expected.tagged() },
      { filter: { hasGroundTruth: false }, want: expected.noGt() },
      { filter: { reviewState: 'reviewed' as const }, want: expected.reviewed() },
      { filter: { runId: g.partialRunId, tag: g.tag }, want: expected.tagged().filter((n) => n % 2 === 0) },
    ];
    for (const { filter, want } of cases) {
      for (const c of [client, local]) {
        const first = await c.call('images.page', { datasetId: g.datasetId, offset: 0, limit: 50, ...filter });
        const last = await c.call('images.page', { datasetId: g.datasetId, offset: Math.max(0, want.length - 7), limit: 50, ...filter });
        expect(first.total).toBe(want.length);
        expect(first.items.map((i) => i.fileName)).toEqual(names(want.slice(0, 50)));
        expect(last.items.map((i) => i.fileName)).toEqual(names(want.slice(-7)));
        const ids = await c.call('images.ids', { datasetId: g.datasetId, ...filter });
        expect(ids.length).toBe(want.length);
      }
    }
    const tagged = await client.call('images.page', { datasetId: g.datasetId, limit: 1, tag: g.tag });
    expect(tagged.items[0]).toMatchObject({ fileName: 'img_000003.jpg', tags: [g.tag], hasGroundTruth: true, reviewState: 'reviewed' });
    const empty = await client.call('images.page', { datasetId: g.datasetId, offset: COUNT + 5, limit: 10 });
    expect(empty).toEqual({ total: COUNT, items: [] });
  });

  it('both class plans give the same images in gallery order, alone and with other filters', () => {
    const { db } = engineInternals(engine);
    let found = 0;
    for (let c = 0; c <= 21; c++)
      for (const more of [{}, { tag: g.tag }, { runId: g.partialRunId }]) {
        const lists = (['per-image', 'by-class'] as const).map((p) => {
          const { sql, params } = filteredIdsSql(g.datasetId, { classPresent: c, ...more }, p);
          return db
            .prepare(sql)
            .pluck()
            .all(...params) as number[];
        });
        expect(lists[1], `class ${c} ${JSON.stringify(more)}`).toEqual(lists[0]);
        found += lists[0]!.length;
      }
    expect(found).toBeGreaterThan(COUNT);
  });

  it('a change is seen by the next page at once (tags, review state), through the worker’s own connection', async () => {
    const before = await client.call('images.ids', { datasetId: g.datasetId, tag: 'fresh' });
    expect(before).toEqual([]);
    const all = await client.call('images.ids', { datasetId: g.datasetId });
    await client.call('tags.apply', { tag: 'fresh', imageIds: all.slice(0, 3) });
    expect(await client.call('images.ids', { datasetId: g.datasetId, tag: 'fresh' })).toEqual(all.slice(0, 3));
    await client.call('images.setReviewState', { imageIds: all.slice(0, 2), state: 'rejected' });
    const rejected = await client.call('images.page', { datasetId: g.datasetId, limit: 2, reviewState: 'rejected' });
    expect(rejected.items.map((i) => i.id).slice(0, 2)).toEqual(all.slice(0, 2));
    // The other engine (its own connection, in its own thread) sees it too.
    expect(await local.call('images.ids', { datasetId: g.datasetId, tag: 'fresh' })).toEqual(all.slice(0, 3));
  });

  it('per-image scores and dataset scores come from the worker and equal the engine thread’s', async () => {
    // The generated metric rows carry the fingerprints evaluation would give: the worker scores them as they are.
    const direct = await engineInternals(engine).reads.read({ op: 'metrics.perImage', datasetId: g.datasetId, runId: g.runId });
    expect(direct?.sampleIds.length).toBe(COUNT - expected.noGt().length);
    const a = perImageRows(await client.call('metrics.perImage', { datasetId: g.datasetId, runId: g.runId }));
    const b = perImageRows(await local.call('metrics.perImage', { datasetId: g.datasetId, runId: g.runId }));
    expect(a.length).toBe(COUNT - expected.noGt().length);
    expect(a).toEqual(b);
    expect(await client.call('metrics.scores', { datasetId: g.datasetId, runId: g.runId })).toEqual(
      await local.call('metrics.scores', { datasetId: g.datasetId, runId: g.runId }),
    );
  });

  it('unknown datasets and runs are one clear error from the worker', async () => {
    await expect(client.call('images.page', { datasetId: 999 })).rejects.toThrow('dataset 999 not found');
    await expect(client.call('metrics.perImage', { datasetId: g.datasetId, runId: 999 })).rejects.toThrow(/run 999 not found in dataset/);
  });
  it('datasets with their counts come from the worker, equal the engine thread’s, and see a rename at once', async () => {
    expect(await client.call('datasets.list', {})).toEqual(await local.call('datasets.list', {}));
    const d = await client.call('datasets.get', { datasetId: g.datasetId });
    expect([d.imageCount, d.sampleCount, d.annotatedImageCount, d.classCount]).toEqual([COUNT, COUNT, COUNT - expected.noGt().length, 21]);
    await client.call('datasets.rename', { datasetId: g.datasetId, name: 'renamed' });
    expect((await client.call('datasets.get', { datasetId: g.datasetId })).name).toBe('renamed');
    expect((await client.call('datasets.list', {})).map((x) => x.name)).toContain('renamed');
    await client.call('datasets.rename', { datasetId: g.datasetId, name: d.name });
    await expect(client.call('datasets.get', { datasetId: 999 })).rejects.toThrow('dataset 999 not found');
  });

  it('hot paths look a dataset up by its header: one row of datasets, no scan of its images', () => {
    const repos = engineInternals(engine).repos;
    const full = repos.datasets.get(g.datasetId)!;
    expect(full.imageCount).toBe(COUNT);
    const { imageCount: _i, sampleCount: _s, annotatedImageCount: _a, classCount: _c, ...own } = full;
    expect(repos.datasets.header(g.datasetId)).toEqual(own);
    expect(repos.datasets.header(g.datasetId + 1000)).toBeUndefined();
    expect(plan('SELECT id, name, format, task, source_path, created_at FROM datasets WHERE id = ?', [g.datasetId]).join(' ')).not.toMatch(
      /images/,
    );
  });
});
