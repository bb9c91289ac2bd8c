import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createClient, inProcessTransport, type TesseraClient } from '../../../src/shared';
import { createEngine, type Engine } from '../../../src/main/engine/engine';
import { fillGalleryWorkspace, type GalleryWorkspace } from '../../../bench/galleryWorkspace';
import { makeFolderDataset, tempDir, writeFolderPredictions } from '../../helpers/fixtures';
import { finishJob } from '../../helpers/engine';
import { engineInternals } from '../../../src/main/engine/internals';
import { scoreInputVersions } from '../../../src/main/engine/store/scoreInputs';
import {
  decodeSampleList,
  decodeScoreList,
  encodeScoreList,
  KEPT_SNAPSHOTS,
  snapshotVersion,
  writeScoreSnapshot,
} from '../../../src/main/engine/store/scoreSnapshots';
import { currentSamples } from '../../../src/main/engine/metrics/evaluationSet';
import { perImageOfSamples } from '../../../src/main/engine/metrics/scores';
import type { Db } from '../../../src/main/engine/store/db';
import { perImageRows, type ImageScore } from '../../../src/shared/api/methods/metrics';
import { perImageWire } from '../../../src/main/engine/store/readWorker/perImageColumns';
import { metricRowsStore } from '../../../src/main/engine/store/repos/metricRows';

// A whole dataset's per-image scores are kept in the store with the version of their inputs
// (store/scoreSnapshots.ts): a reopened workspace's first score sort reads them back, and only while
// nothing they depend on has changed. Every answer here is checked against the general computation
// from the stored rows, which never reads a kept list.
const COUNT = 150;
let dir: string;
let owner: Engine;
let g: GalleryWorkspace;
let db: Db;
let cleanup: () => void;
const opened: Engine[] = [];

beforeAll(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  dir = join(t.dir, 'ws');
  owner = createEngine({ workspace: dir, create: true, readWorker: false });
  g = fillGalleryWorkspace(owner, COUNT);
  db = engineInternals(owner).db;
});

afterAll(async () => {
  await closeOpened();
  await owner?.close();
  cleanup?.();
});

/** Closes the reopened engines: a list one of them would keep later could overwrite a marker. */
async function closeOpened(): Promise<void> {
  for (const e of opened.splice(0)) await e.close();
}

/** A freshly opened engine of the workspace (its own read worker), as a restarted app or `serve`. */
function reopen(readWorker = true): TesseraClient {
  const engine = createEngine({ workspace: dir, readWorker });
  opened.push(engine);
  return createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
}

async function perImage(client: TesseraClient): Promise<ImageScore[]> {
  return perImageRows(await client.call('metrics.perImage', { datasetId: g.datasetId, runId: g.runId }));
}

/** The per-image scores computed from the stored rows (no cache, no kept list); null when stale. */
function general(): ImageScore[] | null {
  const current = currentSamples(db, g.datasetId, g.runId);
  if (current === undefined || current === 'stale') return null;
  return perImageOfSamples(db, g.runId, current.task, current.samples);
}

function keptRow(runId = g.runId): { version: string; payload: Buffer } | undefined {
  return db.prepare('SELECT version, payload FROM score_snapshots WHERE dataset_id = ? AND run_id = ?').get(g.datasetId, runId) as
    { version: string; payload: Buffer } | undefined;
}

function currentVersion(): string {
  return snapshotVersion(scoreInputVersions(db)!.run(g.runId));
}

/** Waits for the read worker's idle write of the list at the current version (it writes 250 ms after its last read). */
async function keptAtCurrentVersion(): Promise<{ version: string; payload: Buffer }> {
  for (let k = 0; k < 100; k++) {
    const row = keptRow();
    if (row !== undefined && row.version === currentVersion()) return row;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no kept list at ${currentVersion()} (found ${keptRow()?.version ?? 'none'})`);
}

/** Puts a marker score into the kept list at its version: an engine that answers with it read the list. */
function markKept(sampleId: number, marker: number): void {
  const row = keptRow()!;
  const list = decodeScoreList(row.payload)!;
  list.scores[list.sampleIds.indexOf(sampleId)] = marker;
  db.prepare('UPDATE score_snapshots SET payload = ? WHERE dataset_id = ? AND run_id = ?').run(encodeScoreList(list), g.datasetId, g.runId);
}

describe('kept per-image score lists', () => {
  it('a reopened workspace answers its first score sort from the list kept at the same version, and only then', async () => {
    expect(keptRow()).toBeUndefined();
    const expected = general();
    expect(expected).not.toBeNull();
    expect(expected!.length).toBeGreaterThan(100);

    // An engine without a read worker (the CLI) reads kept lists, and keeps what it listed when it closes.
    expect(await perImage(reopen(false))).toEqual(expected);
    await new Promise((r) => setTimeout(r, 400));
    expect(keptRow()).toBeUndefined();
    await closeOpened();
    expect(keptRow()!.version).toBe(currentVersion());
    expect(perImageRows(perImageWire(decodeScoreList(keptRow()!.payload)!))).toEqual(expected);
    db.exec('DELETE FROM score_snapshots; DELETE FROM sample_list_snapshots');

    // The first engine with a worker lists the scores, then keeps them when idle.
    expect(await perImage(reopen())).toEqual(expected);
    const kept = await keptAtCurrentVersion();
    await closeOpened();
    expect(decodeScoreList(kept.payload)!.sampleIds.length).toBe(expected!.length);

    // The next one reads them: a marker put into the kept list comes back.
    const s = expected![40]!.sampleId;
    markKept(s, 0.123456789);
    const read = await perImage(reopen());
    expect(read.find((r) => r.sampleId === s)!.score).toBe(0.123456789);
    expect(read.filter((r) => r.sampleId !== s)).toEqual(expected!.filter((r) => r.sampleId !== s));

    // A review state is not a score input: the version stands, the kept list is still read.
    const ids = db.prepare('SELECT id FROM images WHERE dataset_id = ? ORDER BY id LIMIT 3').pluck().all(g.datasetId) as number[];
    await createClient(inProcessTransport({ dispatch: owner.dispatch, subscribe: (l) => owner.events.subscribe(l) })).call(
      'images.setReviewState',
      { imageIds: ids, state: 'reviewed' },
    );
    expect(keptRow()!.version).toBe(currentVersion());
    expect((await perImage(reopen())).find((r) => r.sampleId === s)!.score).toBe(0.123456789);
  });

  it("another run's new stored scores leave a run's kept list; its own do not", async () => {
    await perImage(reopen());
    await keptAtCurrentVersion();
    await closeOpened();
    const expected = general()!;
    const s = expected[30]!.sampleId;
    markKept(s, 0.24681357);
    const metrics = metricRowsStore(db);
    const rescore = (runId: number): void => {
      const rows = metrics.perSample(g.runId, { sql: 'AND m.sample_id = ?', params: [s], tag: null })[0]!.rows;
      db.transaction(() => metrics.replaceSample(runId, s, 'g1p1', rows, 'semantic'))();
    };
    // Evaluation of the other run (as `tessera eval --run other` in a shell would write it).
    rescore(g.partialRunId);
    expect(keptRow()!.version).toBe(currentVersion());
    expect((await perImage(reopen())).find((r) => r.sampleId === s)!.score).toBe(0.24681357);
    await closeOpened();
    // The run's own sample re-scored: the kept list is not read.
    rescore(g.runId);
    expect(keptRow()!.version).not.toBe(currentVersion());
    const fresh = reopen();
    await fresh.call('metrics.scores', { datasetId: g.datasetId, runId: g.runId });
    expect(await perImage(fresh)).toEqual(general());
    await closeOpened();
  });

  it('after each kind of score-input write, a reopened workspace answers as the stored rows say, never from the older list', async () => {
    const { repos } = engineInternals(owner);
    const markSample = general()![60]!.sampleId;
    const writes: Array<[string, () => void]> = [
      [
        'a prediction region removed (and the sample re-scored)',
        () => {
          const s = general()![10]!.sampleId;
          const regions = repos.predictions.forSample(g.runId, s);
          repos.predictions.replaceForSample(
            g.runId,
            s,
            regions.slice(1).map((r) => ({ ...r, runId: g.runId, sampleId: s })),
          );
        },
      ],
      [
        'an image renamed (the gallery order moves)',
        () => db.prepare("UPDATE images SET file_name = 'aaa_first.jpg' WHERE id = ?").run(general()![90]!.imageId),
      ],
      ['the run renamed', () => repos.runs.rename(g.runId, 'renamed-run')],
    ];
    for (const [what, write] of writes) {
      // A list kept at the current version, with a marker in it.
      await perImage(reopen());
      await keptAtCurrentVersion();
      await closeOpened();
      markKept(markSample, 0.987654321);
      expect((await perImage(reopen())).find((r) => r.sampleId === markSample)!.score, what).toBe(0.987654321);

      write();
      const fresh = reopen();
      // Stale stored rows first go through the engine's catch-up (metrics.scores), as the app does.
      await fresh.call('metrics.scores', { datasetId: g.datasetId, runId: g.runId });
      const answer = await perImage(fresh);
      expect(answer, what).toEqual(general());
      expect(answer.find((r) => r.sampleId === markSample)!.score, what).not.toBe(0.987654321);
    }
    await closeOpened();
  });

  it('an evaluation keeps the list it leaves behind (by the time its engine is closed), so the next first sort reads it', async () => {
    const { repos } = engineInternals(owner);
    const before = general()![20]!;
    const s = before.sampleId;
    repos.predictions.replaceForSample(g.runId, s, []);
    expect(general()).toBeNull();
    const client = reopen();
    const done = await finishJob(client, () => client.call('metrics.evaluate', { datasetId: g.datasetId, runId: g.runId }));
    expect(done.status).toBe('succeeded');
    // Kept when the worker is idle, or at the latest when the engine closes (as `tessera eval` does at once).
    await closeOpened();
    const kept = keptRow()!;
    expect(kept.version).toBe(currentVersion());
    const list = decodeScoreList(kept.payload)!;
    const now = general()!;
    expect(list.scores[list.sampleIds.indexOf(s)]).toBe(now.find((r) => r.sampleId === s)!.score);
    expect(list.scores[list.sampleIds.indexOf(s)]).not.toBe(before.score);
    expect(await perImage(reopen())).toEqual(now);
    await closeOpened();
  });

  it('`tessera eval` (an engine without a read worker) keeps the list it leaves behind when it closes', async () => {
    const { repos } = engineInternals(owner);
    const s = general()![30]!.sampleId;
    repos.predictions.replaceForSample(g.runId, s, []);
    expect(general()).toBeNull();
    const client = reopen(false);
    const done = await finishJob(client, () => client.call('metrics.evaluate', { datasetId: g.datasetId, runId: g.runId }));
    expect(done.status).toBe('succeeded');
    expect(keptRow()!.version).not.toBe(currentVersion());
    await closeOpened();
    const kept = keptRow()!;
    expect(kept.version).toBe(currentVersion());
    expect(perImageRows(perImageWire(decodeScoreList(kept.payload)!))).toEqual(general());
  });

  it('the list of scored samples is kept apart: new scores reuse it, a changed sample set is listed again', async () => {
    const { repos } = engineInternals(owner);
    await perImage(reopen());
    await closeOpened();
    const samplesVersion = (): string => snapshotVersion(`semantic/${scoreInputVersions(db)!.samples(g.datasetId)}`);
    const listRow = (): { version: string; payload: Buffer } =>
      db.prepare('SELECT version, payload FROM sample_list_snapshots WHERE dataset_id = ?').get(g.datasetId) as {
        version: string;
        payload: Buffer;
      };
    expect(listRow().version).toBe(samplesVersion());
    // A marker: one file name changed in the kept sample list only.
    const target = general()![70]!;
    const list = decodeSampleList(listRow().payload)!;
    const at = list.imageIds.indexOf(target.imageId);
    const marked = { ...list, fileNames: list.fileNames.map((name, k) => (k === at ? 'zz_marker.jpg' : name)) };
    db.prepare('UPDATE sample_list_snapshots SET payload = ? WHERE dataset_id = ?').run(encodeScoreList(marked), g.datasetId);

    // New scores (a prediction changed and was re-scored): the score list is outdated, the sample list is not.
    const s = general()![5]!.sampleId;
    repos.predictions.replaceForSample(g.runId, s, []);
    const ownerClient = createClient(inProcessTransport({ dispatch: owner.dispatch, subscribe: (l) => owner.events.subscribe(l) }));
    await ownerClient.call('metrics.scores', { datasetId: g.datasetId, runId: g.runId });
    const rescored = await perImage(reopen());
    await closeOpened();
    expect(rescored.find((r) => r.imageId === target.imageId)!.fileName).toBe('zz_marker.jpg');
    expect(rescored.map((r) => (r.imageId === target.imageId ? { ...r, fileName: target.fileName } : r))).toEqual(general());

    // Another image renamed: the sample set's clock moves, the samples are listed again.
    db.prepare("UPDATE images SET file_name = 'b_renamed.jpg' WHERE id = ?").run(general()![3]!.imageId);
    const relisted = await perImage(reopen());
    await closeOpened();
    expect(relisted).toEqual(general());
    expect(relisted.some((r) => r.fileName === 'zz_marker.jpg')).toBe(false);
    expect(listRow().version).toBe(samplesVersion());
  });

  it("after a gallery read, the idle worker reads the scores of the dataset's latest scored runs ahead: a sort a moment later is answered from memory and the list is kept", async () => {
    await closeOpened();
    db.exec('DELETE FROM score_snapshots; DELETE FROM sample_list_snapshots;');
    const client = reopen();
    await client.call('images.page', { datasetId: g.datasetId, limit: 20 });
    // No score sort was asked for: the list at the current version appears once the worker is idle.
    const row = await keptAtCurrentVersion();
    expect(decodeScoreList(row.payload)!.sampleIds.length).toBe(general()!.length);
    // Marked in the store now, the answer still comes from the worker's memory (read before the mark).
    const someSample = general()![3]!.sampleId;
    markKept(someSample, 0.123456);
    const answered = await perImage(client);
    expect(answered).toEqual(general());
    await closeOpened();
  });

  it("work in another dataset (a folder import, a run imported and scored, a mask edit, its delete) leaves this dataset's kept lists", async () => {
    // Kept at the current version, then marked: a reopened engine that answers with the marker read the list.
    db.exec('DELETE FROM score_snapshots; DELETE FROM sample_list_snapshots;');
    await perImage(reopen(false));
    await closeOpened();
    expect(keptRow()!.version).toBe(currentVersion());
    const someSample = general()![5]!.sampleId;
    const marker = 0.987654321;
    markKept(someSample, marker);
    const sampleListBefore = db.prepare('SELECT version FROM sample_list_snapshots WHERE dataset_id = ?').pluck().get(g.datasetId);
    const answersFromKeptList = async (): Promise<boolean> => {
      const engine = createEngine({ workspace: dir });
      try {
        const client = createClient(inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }));
        return (await perImage(client)).find((r) => r.sampleId === someSample)!.score === marker;
      } finally {
        await engine.close();
      }
    };

    // The shell's day in another dataset, through a second engine (as the CLI is).
    const shell = reopen(false);
    const { dir: root, cleanup: done } = tempDir();
    try {
      const folder = await makeFolderDataset(root, 4);
      const imported = await finishJob(shell, () =>
        shell.call('datasets.importFolder', { dir: folder.images, masksDir: folder.masks, name: 'other' }),
      );
      const other = Number((imported.result as { datasetId: number }).datasetId);
      expect(other).not.toBe(g.datasetId);
      const run = await finishJob(shell, () =>
        shell.call('runs.importPredictions', {
          datasetId: other,
          run: 'p',
          format: 'png',
          path: writeFolderPredictions(join(root, 'pred'), folder.labels),
        }),
      );
      const runId = Number((run.result as { runId: number }).runId);
      expect((await finishJob(shell, () => shell.call('metrics.evaluate', { datasetId: other, runId }))).status).toBe('succeeded');
      // A mask edit there raises its ground-truth counters.
      db.prepare(
        'UPDATE annotations SET current_version = current_version WHERE sample_id IN (SELECT s.id FROM samples s JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ?)',
      ).run(other);
      expect(keptRow()!.version).toBe(currentVersion());
      expect(await answersFromKeptList()).toBe(true);
      await shell.call('datasets.delete', { datasetId: other });
      await closeOpened();
    } finally {
      done();
    }
    expect(keptRow()!.version).toBe(currentVersion());
    expect(db.prepare('SELECT version FROM sample_list_snapshots WHERE dataset_id = ?').pluck().get(g.datasetId)).toBe(sampleListBefore);
    expect(await answersFromKeptList()).toBe(true);

    // The same edit in this dataset: the kept list is not read again.
    db.prepare('UPDATE annotations SET current_version = current_version WHERE sample_id = ?').run(someSample);
    expect(keptRow()!.version).not.toBe(currentVersion());
    expect(await answersFromKeptList()).toBe(false);
    expect(await perImage(reopen())).toEqual(general());
    await closeOpened();
  });

  it('keeps the most recent lists only, and a run deleted takes its list with it', () => {
    const { repos } = engineInternals(owner);
    const list = decodeScoreList(keptRow()!.payload)!;
    const runs = Array.from({ length: KEPT_SNAPSHOTS + 3 }, (_, k) =>
      repos.runs.create({ datasetId: g.datasetId, name: `extra-${k}`, source: 'import', status: 'complete' }),
    );
    for (const runId of runs) writeScoreSnapshot(db, g.datasetId, runId, 'v', list);
    const kept = db.prepare('SELECT run_id FROM score_snapshots ORDER BY written').pluck().all() as number[];
    expect(kept).toEqual(runs.slice(-KEPT_SNAPSHOTS));
    db.prepare('DELETE FROM runs WHERE id = ?').run(runs.at(-1));
    expect(keptRow(runs.at(-1))).toBeUndefined();
    expect(db.prepare('SELECT count(*) FROM score_snapshots').pluck().get()).toBe(KEPT_SNAPSHOTS - 1);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });
});
