import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perImageRows, type ImageScore } from '../../../src/shared/api/methods/metrics';
import { join } from 'node:path';
import { createClient, inProcessTransport, type TesseraClient } from '../../../src/shared';
import { createEngine, type Engine } from '../../../src/main/engine/engine';
import { fillGalleryWorkspace, type GalleryWorkspace } from '../../../bench/galleryWorkspace';
import { tempDir } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';
import {
  CLOCKED_TABLES,
  COUNTED_TABLES,
  NOT_SCORE_INPUTS,
  scoreInputVersions,
  VersionedCache,
} from '../../../src/main/engine/store/scoreInputs';
import { completeRunScores, perImageWire, prepareScoreSort } from '../../../src/main/engine/store/readWorker/perImageColumns';
import { currentSamples } from '../../../src/main/engine/metrics/evaluationSet';
import { perImageOfSamples } from '../../../src/main/engine/metrics/scores';
import { metricRowsStore } from '../../../src/main/engine/store/repos/metricRows';
import type { Db } from '../../../src/main/engine/store/db';

// Score reads are cached by the version of their inputs (store/scoreInputs.ts): every table is placed,
// every write a score depends on moves the version, writes it does not depend on leave it, and the
// fast listing of a complete run's per-image scores equals the general one in every state.
const COUNT = 120;
let engine: Engine;
let client: TesseraClient;
let inThread: Engine;
let local: TesseraClient;
let g: GalleryWorkspace;
let db: Db;
let cleanup: () => void;

beforeAll(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  engine = createEngine({ workspace: join(t.dir, 'ws'), create: true });
  g = fillGalleryWorkspace(engine, COUNT);
  db = engineInternals(engine).db;
  client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
  inThread = createEngine({ workspace: join(t.dir, 'ws'), readWorker: false });
  local = createClient(inProcessTransport({ dispatch: inThread.dispatch, subscribe: (l) => inThread.events.subscribe(l) }));
});

afterAll(async () => {
  await inThread?.close();
  await engine?.close();
  cleanup?.();
});

function versions(): { samples: string; run: string } {
  const v = scoreInputVersions(db)!;
  return { samples: v.samples(g.datasetId), run: v.run(g.runId) };
}

/** The general path's answer: null when stale, else the per-image scores. */
function general(): ReturnType<typeof perImageOfSamples> | null {
  const current = currentSamples(db, g.datasetId, g.runId);
  if (current === undefined) throw new Error('not scorable');
  if (current === 'stale') return null;
  return perImageOfSamples(db, g.runId, current.task, current.samples);
}

function fast(): ImageScore[] | null | 'other' {
  const out = completeRunScores(db, new VersionedCache(db), scoreInputVersions(db), g.datasetId, g.runId);
  return out === null || out === 'other' ? out : perImageRows(perImageWire(out));
}

function sampleOf(imageN: number): number {
  return db
    .prepare('SELECT s.id FROM samples s JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ? ORDER BY i.file_name LIMIT 1 OFFSET ?')
    .pluck()
    .get(g.datasetId, imageN) as number;
}

describe('score input versions', () => {
  it('every table of the store is placed: clocked (with its three triggers on the right clock), counted, or not a score input', () => {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    const placed = [...new Set([...Object.keys(CLOCKED_TABLES), ...Object.keys(COUNTED_TABLES), ...Object.keys(NOT_SCORE_INPUTS)])].sort();
    expect(tables).toEqual(placed);
    const triggers = db
      .prepare("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'score_inputs_%'")
      .all() as Array<{
      tbl_name: string;
      sql: string;
    }>;
    for (const [table, { clock, ops }] of Object.entries(CLOCKED_TABLES)) {
      const mine = triggers.filter((t) => t.tbl_name === table);
      expect(mine.length, table).toBe(ops.length);
      for (const op of ops)
        expect(
          mine.some((t) => t.sql.includes(`AFTER ${op}`) && t.sql.includes(`WHERE id = ${clock}`)),
          `${table} ${op}`,
        ).toBe(true);
    }
  });

  it('the images update trigger names every column of images but review_state', () => {
    const columns = (db.prepare("SELECT name FROM pragma_table_info('images')").pluck().all() as string[]).filter(
      (c) => c !== 'review_state',
    );
    const sql = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'score_inputs_images_update'").pluck().get() as string;
    const listed = /UPDATE OF ([\w, ]+) ON images/
      .exec(sql)![1]!
      .split(',')
      .map((c) => c.trim());
    expect(listed.sort()).toEqual(columns.sort());
  });

  it('metric_rows is written only where metric_samples is written with it', async () => {
    const { readFileSync, readdirSync, statSync } = await import('node:fs');
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(join(__dirname, '../../../src'));
    const writers = files.filter((f) =>
      /(INSERT INTO|DELETE FROM|UPDATE|REPLACE INTO) metric_rows|multiRowInsert\([^,]+, 'metric_rows'/.test(readFileSync(f, 'utf8')),
    );
    expect(writers.map((f) => f.replace(/.*src\//, 'src/')).sort()).toEqual([
      'src/main/engine/store/migrations.ts',
      'src/main/engine/store/repos/metricRows.ts',
    ]);
  });

  it('tags, review states and jobs leave both versions; ground truth, predictions, stored scores and the sample set move them', async () => {
    const ids = await client.call('images.ids', { datasetId: g.datasetId });
    let before = versions();
    await client.call('tags.apply', { tag: 'look', imageIds: ids.slice(0, 5) });
    await client.call('images.setReviewState', { imageIds: ids.slice(0, 5), state: 'reviewed' });
    db.prepare(
      "INSERT INTO jobs (id, kind, status, created_at, updated_at) VALUES ('t1', 'evaluate', 'succeeded', datetime('now'), datetime('now'))",
    ).run();
    expect(versions()).toEqual(before);

    const sampleId = sampleOf(3);
    // A prediction region rewritten (same rows): the run's version moves, the sample list's does not.
    const regions = engineInternals(engine).repos.predictions.forSample(g.runId, sampleId);
    engineInternals(engine).repos.predictions.replaceForSample(
      g.runId,
      sampleId,
      regions.map((r) => ({ ...r, runId: g.runId, sampleId })),
    );
    let after = versions();
    expect(after.run).not.toBe(before.run);
    expect(after.samples).toBe(before.samples);

    before = after;
    db.prepare('UPDATE annotations SET current_version = current_version WHERE sample_id = ?').run(sampleId);
    after = versions();
    expect(after.run).not.toBe(before.run);
    expect(after.samples).toBe(before.samples); // a mask edit does not change which samples are scored
    const region = db.prepare('SELECT * FROM annotations WHERE sample_id = ? LIMIT 1').get(sampleId) as Record<string, unknown>;
    const regionVersions = db.prepare('SELECT * FROM annotation_versions WHERE annotation_id = ?').all(region['id']) as Array<
      Record<string, unknown>
    >;
    db.prepare('DELETE FROM annotations WHERE id = ?').run(region['id']);
    expect(versions().samples).not.toBe(after.samples); // a region removed: it might have been the last one
    // Put it back as it was (its versions went with it).
    db.prepare(
      'INSERT INTO annotations (id, sample_id, class_idx, iscrowd, external_id, current_version) VALUES (@id, @sample_id, @class_idx, @iscrowd, @external_id, @current_version)',
    ).run(region);
    const cols = Object.keys(regionVersions[0]!);
    const insertVersion = db.prepare(
      `INSERT INTO annotation_versions (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`,
    );
    for (const v of regionVersions) insertVersion.run(v);
    after = versions();

    before = after;
    metricRowsStore(db).deleteSample(g.runId, sampleId);
    after = versions();
    expect(after.run).not.toBe(before.run);

    // A run's row (a model run's status and progress write it): whole score reads go, the kept list of scored samples stays.
    before = after;
    db.prepare('UPDATE runs SET name = name WHERE id = ?').run(g.partialRunId);
    after = versions();
    expect(after.run).not.toBe(before.run);
    expect(after.samples).toBe(before.samples);

    before = after;
    db.prepare('UPDATE images SET file_name = file_name WHERE id = ?').run(ids[0]);
    after = versions();
    expect(after.samples).not.toBe(before.samples);
  });
});

describe('dataset clocks (migration 13)', () => {
  it("each write to a dataset's score inputs moves that dataset's versions and leaves another's", () => {
    const v = scoreInputVersions(db)!;
    const run = (sql: string, ...params: unknown[]): number => Number(db.prepare(sql).run(...params).lastInsertRowid);
    const made = (name: string): { dataset: number; image: number; sample: number; sample2: number; region: number; runId: number } => {
      const dataset = run("INSERT INTO datasets (name, format, task, created_at) VALUES (?, 'folder', 'semantic', 'now')", name);
      run("INSERT INTO classes (dataset_id, idx, name, color) VALUES (?, 1, 'a', '#000')", dataset);
      const image = run(
        "INSERT INTO images (dataset_id, path, file_name, sha256, bytes, width, height) VALUES (?, '/x/a.png', 'a.png', 'h', 1, 4, 4)",
        dataset,
      );
      const image2 = run(
        "INSERT INTO images (dataset_id, path, file_name, sha256, bytes, width, height) VALUES (?, '/x/b.png', 'b.png', 'h', 1, 4, 4)",
        dataset,
      );
      const sample = run('INSERT INTO samples (image_id) VALUES (?)', image);
      const sample2 = run('INSERT INTO samples (image_id) VALUES (?)', image2);
      const region = run('INSERT INTO annotations (sample_id, class_idx) VALUES (?, 1)', sample);
      const runId = run(
        "INSERT INTO runs (dataset_id, name, source, status, created_at) VALUES (?, 'r', 'import', 'complete', 'now')",
        dataset,
      );
      return { dataset, image, sample, sample2, region, runId };
    };
    const b = made('clocks-b');
    const summary = (datasetId: number): string | null => v.summaries!.one(datasetId);
    const state = (): Array<string | null> => [
      v.samples(g.datasetId),
      v.run(g.runId),
      summary(g.datasetId),
      v.samples(b.dataset),
      v.run(b.runId),
      summary(b.dataset),
    ];
    // What moves B's summary (its counts and fields): not its runs, predictions or mask edits.
    const summaryMoves: Record<string, boolean> = {
      'a class': true,
      'a run row': false,
      'another run': false,
      'the dataset row': true,
      'an image': true,
      'a review state': false,
      'a sample': true,
      'a region added': true,
      'a mask edit': false,
      'a region moved to another sample': true,
      'a region deleted': true,
      predictions: false,
      'an image added': true,
      'an import into the hidden dataset, then shown': true,
    };
    // [what, write, moves B's sample list, moves B's run version (which holds the sample list's too)]
    const writes: Array<[string, () => void, boolean, boolean]> = [
      ['a class', () => run("UPDATE classes SET name = 'b' WHERE dataset_id = ?", b.dataset), false, true],
      ['a run row', () => run("UPDATE runs SET name = 'r2' WHERE id = ?", b.runId), false, true],
      [
        'another run',
        () =>
          run("INSERT INTO runs (dataset_id, name, source, status, created_at) VALUES (?, 'r3', 'import', 'complete', 'now')", b.dataset),
        false,
        true,
      ],
      ['the dataset row', () => run("UPDATE datasets SET meta = '{}' WHERE id = ?", b.dataset), true, true],
      ['an image', () => run("UPDATE images SET file_name = 'c.png' WHERE id = ?", b.image), true, true],
      ['a review state', () => run("UPDATE images SET review_state = 'reviewed' WHERE id = ?", b.image), false, false],
      ['a sample', () => run("UPDATE samples SET external_id = 'e' WHERE id = ?", b.sample), true, true],
      ['a region added', () => run('INSERT INTO annotations (sample_id, class_idx) VALUES (?, 1)', b.sample2), true, true],
      ['a mask edit', () => run('UPDATE annotations SET current_version = current_version WHERE id = ?', b.region), false, true],
      ['a region moved to another sample', () => run('UPDATE annotations SET sample_id = ? WHERE id = ?', b.sample2, b.region), true, true],
      ['a region deleted', () => run('DELETE FROM annotations WHERE id = ?', b.region), true, true],
      [
        'predictions',
        () =>
          run(
            "INSERT INTO predictions (run_id, sample_id, class_idx, height, width, rle, area) VALUES (?, ?, 1, 4, 4, '16', 0)",
            b.runId,
            b.sample,
          ),
        false,
        true,
      ],
      [
        'an image added',
        () =>
          run(
            "INSERT INTO images (dataset_id, path, file_name, sha256, bytes, width, height) VALUES (?, '/x/d.png', 'd.png', 'h', 1, 4, 4)",
            b.dataset,
          ),
        true,
        true,
      ],
      [
        // Rows written while the dataset is hidden (an import's slices) skip their bumps; showing it bumps.
        'an import into the hidden dataset, then shown',
        () => {
          run("UPDATE datasets SET hidden_by = 'job-1' WHERE id = ?", b.dataset);
          const seen = state();
          const image = run(
            "INSERT INTO images (dataset_id, path, file_name, sha256, bytes, width, height) VALUES (?, '/x/e.png', 'e.png', 'h', 1, 4, 4)",
            b.dataset,
          );
          const sample = run('INSERT INTO samples (image_id) VALUES (?)', image);
          run('INSERT INTO annotations (sample_id, class_idx) VALUES (?, 1)', sample);
          expect(state()).toEqual(seen);
          run('UPDATE datasets SET hidden_by = NULL WHERE id = ?', b.dataset);
        },
        true,
        true,
      ],
    ];
    expect(Object.keys(summaryMoves).sort()).toEqual(writes.map((w) => w[0]).sort());
    for (const [what, write, samples, scores] of writes) {
      const [aSamples, aRun, aSummary, bSamples, bRun, bSummary] = state();
      write();
      const now = state();
      expect([now[0], now[1], now[2]], `${what}: dataset A`).toEqual([aSamples, aRun, aSummary]);
      expect([now[3] !== bSamples, now[4] !== bRun, now[5] !== bSummary], `${what}: dataset B`).toEqual([
        samples,
        scores,
        summaryMoves[what],
      ]);
    }

    // Deleted, and its id taken again (no AUTOINCREMENT): no version of the old dataset comes back.
    const seen = new Set(state().slice(3));
    const [aSamples, aRun, aSummary] = state();
    run('DELETE FROM datasets WHERE id = ?', b.dataset);
    expect(state().slice(0, 3)).toEqual([aSamples, aRun, aSummary]);
    const maxId = db.prepare('SELECT max(id) FROM datasets').pluck().get() as number;
    if (maxId < b.dataset) {
      const again = made('clocks-b-again');
      expect(again.dataset).toBe(b.dataset);
      expect(seen.has(v.samples(again.dataset))).toBe(false);
      expect(seen.has(v.run(again.runId))).toBe(false);
      expect(seen.has(summary(again.dataset))).toBe(false);
      run('DELETE FROM datasets WHERE id = ?', again.dataset);
    }
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });
});

describe('per-image scores of a complete run, fast and general', () => {
  it('agree while current, and both see a stale, missing or left-over row', async () => {
    // Bring everything current again (the test above left a sample stale), through the engine.
    await client.call('metrics.scores', { datasetId: g.datasetId, runId: g.runId });
    const ok = general();
    expect(ok).not.toBeNull();
    expect(ok!.length).toBeGreaterThan(100);
    expect(fast()).toEqual(ok);

    // A prediction changed: the stored row no longer matches its counters.
    const s = sampleOf(10);
    const regions = engineInternals(engine).repos.predictions.forSample(g.runId, s);
    engineInternals(engine).repos.predictions.replaceForSample(
      g.runId,
      s,
      regions.slice(1).map((r) => ({ ...r, runId: g.runId, sampleId: s })),
    );
    expect(general()).toBeNull();
    expect(fast()).toBeNull();
    await client.call('metrics.scores', { datasetId: g.datasetId, runId: g.runId });
    expect(fast()).toEqual(general());

    // A row missing.
    metricRowsStore(db).deleteSample(g.runId, sampleOf(20));
    expect(general()).toBeNull();
    expect(fast()).toBeNull();
    await client.call('metrics.scores', { datasetId: g.datasetId, runId: g.runId });
    expect(fast()).toEqual(general());

    // A row of a sample outside the set (an image without ground truth: image 7 of the generator).
    const outside = sampleOf(7);
    metricRowsStore(db).replaceSample(g.runId, outside, 'g0p0', [{ classIdx: 0, tp: 1, fp: 0, fn: 0, gtPixels: 1 }], 'semantic');
    expect(general()).toBeNull();
    expect(fast()).toBeNull();
    metricRowsStore(db).deleteSample(g.runId, outside);
    expect(fast()).toEqual(general());
  });

  it('the scored samples listed ahead of a sort (idle work of the read worker) give the same answer, and a later sample set is listed again', () => {
    const cache = new VersionedCache(db);
    const versions = scoreInputVersions(db);
    prepareScoreSort(db, cache, versions, g.datasetId);
    prepareScoreSort(db, cache, versions, 9999); // no such dataset: nothing to do
    const columns = completeRunScores(db, cache, versions, g.datasetId, g.runId);
    expect(columns === null || columns === 'other' ? columns : perImageRows(perImageWire(columns))).toEqual(general());
    // A new image with ground truth: the kept list is stale (the run has no row for it: a catch-up is due).
    const imageId = engineInternals(engine).repos.images.create({
      datasetId: g.datasetId,
      path: '/nowhere/zz_new.jpg',
      fileName: 'zz_new.jpg',
      sha256: 'x',
      bytes: 1,
      width: 64,
      height: 48,
    });
    const sampleId = engineInternals(engine).repos.images.createSample(imageId);
    const gt = engineInternals(engine).repos.annotations.currentForSample(sampleOf(0))[0]!;
    engineInternals(engine).repos.annotations.create({ sampleId, classIdx: gt.classIdx, rle: gt.rle, area: 1, bbox: [0, 0, 1, 1] });
    expect(completeRunScores(db, cache, versions, g.datasetId, g.runId)).toBeNull();
    expect(general()).toBeNull();
    db.prepare('DELETE FROM images WHERE id = ?').run(imageId);
    expect(completeRunScores(db, cache, versions, g.datasetId, g.runId)).not.toBeNull();
  });

  it('cached dataset scores follow renames of the dataset, the run and a class (what they print)', async () => {
    const scores = (): Promise<unknown> => client.call('metrics.scores', { datasetId: g.datasetId, runId: g.runId });
    const before = (await scores()) as { dataset: string; run: string; semantic: { per_class?: unknown } | null };
    await client.call('datasets.rename', { datasetId: g.datasetId, name: 'renamed-set' });
    await client.call('runs.rename', { runId: g.runId, name: 'renamed-run' });
    const classes = await client.call('classes.list', { datasetId: g.datasetId });
    const some = classes.find((c) => c.index === 5)!;
    await client.call('classes.update', { datasetId: g.datasetId, index: 5, name: 'renamed-class' });
    const after = (await scores()) as { dataset: string; run: string };
    expect(before.dataset).not.toBe('renamed-set');
    expect(after.dataset).toBe('renamed-set');
    expect(after.run).toBe('renamed-run');
    expect(JSON.stringify(after)).toContain('renamed-class');
    expect(JSON.stringify(after)).not.toContain(`"${some.name}"`);
    expect(after).toEqual(await local.call('metrics.scores', { datasetId: g.datasetId, runId: g.runId }));
  });

  it('through the client: a cached sort survives a review state and follows a changed prediction, as the engine thread computes it', async () => {
    const first = perImageRows(await client.call('metrics.perImage', { datasetId: g.datasetId, runId: g.runId }));
    const ids = await client.call('images.ids', { datasetId: g.datasetId });
    await client.call('images.setReviewState', { imageIds: ids.slice(0, 3), state: 'rejected' });
    expect(perImageRows(await client.call('metrics.perImage', { datasetId: g.datasetId, runId: g.runId }))).toEqual(first);

    // Predict nothing on one scored image: its score changes, and the cached list must not hide it.
    const s = sampleOf(30);
    engineInternals(engine).repos.predictions.replaceForSample(g.runId, s, []);
    const changed = perImageRows(await client.call('metrics.perImage', { datasetId: g.datasetId, runId: g.runId }));
    const was = first.find((r) => r.sampleId === s)!;
    const now = changed.find((r) => r.sampleId === s)!;
    expect(now.score).not.toBe(was.score);
    expect(changed).toEqual(perImageRows(await local.call('metrics.perImage', { datasetId: g.datasetId, runId: g.runId })));
    expect(changed.filter((r) => r.sampleId !== s)).toEqual(first.filter((r) => r.sampleId !== s));
  });
});

describe('dataset summaries kept by the read worker', () => {
  it('datasets.list and datasets.get follow every write their counts depend on, and review states and tags leave their version', async () => {
    const { repos } = engineInternals(engine);
    const direct = () => repos.datasets.list();
    const check = async (what: string): Promise<void> => {
      expect(await client.call('datasets.list', {}), what).toEqual(direct());
      expect(await client.call('datasets.get', { datasetId: g.datasetId }), what).toEqual(repos.datasets.get(g.datasetId));
    };
    const version = (): string => scoreInputVersions(db)!.datasets();
    await check('first');
    const ids = await client.call('images.ids', { datasetId: g.datasetId });
    const before = version();
    await client.call('images.setReviewState', { imageIds: ids.slice(0, 4), state: 'rejected' });
    await client.call('tags.apply', { tag: 'summary-test', imageIds: ids.slice(0, 4) });
    expect(version()).toBe(before);
    await check('after a review state and a tag');

    const writes: Array<[string, () => void]> = [
      [
        "an image's ground truth removed",
        () => db.prepare('DELETE FROM annotations WHERE sample_id = (SELECT MAX(sample_id) FROM annotations)').run(),
      ],
      [
        'an image added',
        () =>
          db
            .prepare(
              "INSERT INTO images (dataset_id, path, file_name, sha256, bytes, width, height) VALUES (?, 'extra/x.jpg', 'x.jpg', 'ab', 1, 8, 8)",
            )
            .run(g.datasetId),
      ],
      ['a sample added', () => db.prepare('INSERT INTO samples (image_id) VALUES ((SELECT MAX(id) FROM images))').run()],
      [
        'a class added',
        () => db.prepare("INSERT INTO classes (dataset_id, idx, name, color) VALUES (?, 200, 'extra', '#000000')").run(g.datasetId),
      ],
      ['the dataset renamed', () => db.prepare("UPDATE datasets SET name = 'summary-renamed' WHERE id = ?").run(g.datasetId)],
      ['an image removed', () => db.prepare('DELETE FROM images WHERE id = (SELECT MAX(id) FROM images)').run()],
    ];
    for (const [what, write] of writes) {
      const was = version();
      const listed = direct();
      write();
      expect(version(), what).not.toBe(was);
      expect(direct(), what).not.toEqual(listed);
      await check(what);
    }
  });
});

describe('dataset counts', () => {
  it('count an image as annotated once, whichever of its samples carry ground truth (several queries per image)', async () => {
    const { repos } = engineInternals(engine);
    const datasetId = repos.datasets.create({ name: 'queries', format: 'refcoco', task: 'referring', sourcePath: null });
    const image = (name: string): number =>
      repos.images.create({ datasetId, path: `/q/${name}`, fileName: name, sha256: name, bytes: 1, width: 4, height: 4 });
    const annotate = (sampleId: number): void => {
      db.prepare('INSERT INTO annotations (sample_id, class_idx) VALUES (?, 1)').run(sampleId);
    };
    const [a, b, c] = [image('a.jpg'), image('b.jpg'), image('c.jpg')];
    annotate(repos.images.createSample(a, 'left dog'));
    annotate(repos.images.createSample(a, 'right dog'));
    annotate(repos.images.createSample(b, 'the cat'));
    repos.images.createSample(b, 'the hat');
    repos.images.createSample(c, 'nothing');
    const expected = { imageCount: 3, sampleCount: 5, annotatedImageCount: 2 };
    expect(repos.datasets.get(datasetId)).toMatchObject(expected);
    expect(await client.call('datasets.get', { datasetId })).toMatchObject(expected);
    expect((await client.call('datasets.list', {})).find((d) => d.id === datasetId)).toMatchObject(expected);
  });
});
