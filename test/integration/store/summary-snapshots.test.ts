import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createClient, inProcessTransport, type TesseraClient } from '../../../src/shared';
import type { DatasetSummary } from '../../../src/shared/domain';
import { createEngine, type Engine } from '../../../src/main/engine/engine';
import { fillGalleryWorkspace, type GalleryWorkspace } from '../../../bench/galleryWorkspace';
import { makeFolderDataset, tempDir } from '../../helpers/fixtures';
import { finishJob } from '../../helpers/engine';
import { engineInternals } from '../../../src/main/engine/internals';
import { scoreInputVersions } from '../../../src/main/engine/store/scoreInputs';
import { snapshotVersion } from '../../../src/main/engine/store/scoreSnapshots';
import type { Db } from '../../../src/main/engine/store/db';

// Dataset summaries are kept in the store with their dataset's clocks (store/summarySnapshots.ts):
// a reopened workspace's first dataset list reads them back, only at the same version, and a change
// in one dataset leaves the others' kept. Every answer is checked against the counting query, which
// never reads a kept summary.
let dir: string;
let owner: Engine;
let g: GalleryWorkspace;
let other: number;
let db: Db;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  dir = join(t.dir, 'ws');
  owner = createEngine({ workspace: dir, create: true, readWorker: false });
  g = fillGalleryWorkspace(owner, 60);
  db = engineInternals(owner).db;
  const client = createClient(inProcessTransport({ dispatch: owner.dispatch, subscribe: (l) => owner.events.subscribe(l) }));
  const folder = await makeFolderDataset(join(t.dir, 'folder'), 3);
  const imported = await finishJob(client, () =>
    client.call('datasets.importFolder', { dir: folder.images, masksDir: folder.masks, name: 'other' }),
  );
  other = Number((imported.result as { datasetId: number }).datasetId);
  db.exec('DELETE FROM dataset_summaries');
});

afterAll(async () => {
  await owner?.close();
  cleanup?.();
});

/** What the list must say: counted from the tables. */
function counted(): DatasetSummary[] {
  return engineInternals(owner).repos.datasets.list();
}

/** A freshly opened engine's first dataset list (and its get of the gallery's dataset), as a restarted app's first screen. */
async function firstScreen(readWorker = true): Promise<{ list: DatasetSummary[]; one: DatasetSummary }> {
  const engine = createEngine({ workspace: dir, readWorker });
  try {
    const client: TesseraClient = createClient(
      inProcessTransport({ dispatch: engine.dispatch, subscribe: (l) => engine.events.subscribe(l) }),
    );
    return { list: await client.call('datasets.list', {}), one: await client.call('datasets.get', { datasetId: g.datasetId }) };
  } finally {
    await engine.close(); // keeps what it counted
  }
}

function keptRows(): Array<{ dataset_id: number; version: string }> {
  return db.prepare('SELECT dataset_id, version FROM dataset_summaries ORDER BY dataset_id').all() as Array<{
    dataset_id: number;
    version: string;
  }>;
}

function currentVersion(datasetId: number): string {
  return `summary/${snapshotVersion(scoreInputVersions(db)!.summaries!.one(datasetId)!)}`;
}

/** A marker image count in the kept summary of the gallery's dataset: an engine that shows it read the kept row. */
const MARKER = 424242;
function mark(): void {
  const payload = db.prepare('SELECT payload FROM dataset_summaries WHERE dataset_id = ?').pluck().get(g.datasetId) as string;
  db.prepare('UPDATE dataset_summaries SET payload = ? WHERE dataset_id = ?').run(
    JSON.stringify({ ...(JSON.parse(payload) as DatasetSummary), imageCount: MARKER }),
    g.datasetId,
  );
}

function addImage(datasetId: number, name: string): void {
  db.prepare("INSERT INTO images (dataset_id, path, file_name, sha256, bytes, width, height) VALUES (?, ?, ?, 'h', 1, 4, 4)").run(
    datasetId,
    `/added/${name}`,
    name,
  );
}

describe('kept dataset summaries', () => {
  it('a reopened workspace lists its datasets from the summaries kept at the same version, and only then', async () => {
    expect(keptRows()).toEqual([]);
    const expected = counted();
    expect(expected.map((d) => d.id)).toEqual([g.datasetId, other]);
    // Counted, then kept when the engine closes (the CLI too).
    expect((await firstScreen(false)).list).toEqual(expected);
    expect(keptRows()).toEqual([
      { dataset_id: g.datasetId, version: currentVersion(g.datasetId) },
      { dataset_id: other, version: currentVersion(other) },
    ]);
    db.exec('DELETE FROM dataset_summaries');
    const shown = await firstScreen();
    expect(shown.list).toEqual(expected);
    expect(shown.one).toEqual(expected[0]);
    expect(keptRows().map((r) => r.version)).toEqual([currentVersion(g.datasetId), currentVersion(other)]);

    // Read back: the marker shows, in the list and in the dataset's own summary, with and without a worker.
    mark();
    for (const readWorker of [true, false]) {
      const again = await firstScreen(readWorker);
      expect(again.list[0]!.imageCount).toBe(MARKER);
      expect(again.one.imageCount).toBe(MARKER);
      expect(again.list[1]).toEqual(expected[1]);
    }

    // A change in the other dataset: its summary is counted again, this one's is still read.
    addImage(other, 'x.png');
    const afterOther = await firstScreen();
    expect(afterOther.list[0]!.imageCount).toBe(MARKER);
    expect(afterOther.list[1]).toEqual(counted()[1]);
    expect(afterOther.list[1]!.imageCount).toBe(expected[1]!.imageCount + 1);

    // A run of this dataset (a model run writes its row as it goes) and a mask edit leave it too.
    const runId = engineInternals(owner).repos.runs.create({ datasetId: g.datasetId, name: 'later', source: 'import', status: 'running' });
    db.prepare("UPDATE runs SET status = 'complete' WHERE id = ?").run(runId);
    db.prepare('UPDATE annotations SET current_version = current_version WHERE id = (SELECT min(id) FROM annotations)').run();
    expect((await firstScreen()).list[0]!.imageCount).toBe(MARKER);

    // A change in this one (a review state is not one): counted again.
    db.prepare("UPDATE images SET review_state = 'reviewed' WHERE dataset_id = ?").run(g.datasetId);
    expect((await firstScreen()).list[0]!.imageCount).toBe(MARKER);
    addImage(g.datasetId, 'y.png');
    const afterThis = await firstScreen();
    expect(afterThis.list).toEqual(counted());
    expect(afterThis.one.imageCount).toBe(61);
  });

  it('a kept row that does not read back as a summary of its dataset is counted again', async () => {
    await firstScreen();
    for (const payload of ['{not json', JSON.stringify({ id: other, name: 'x' }), JSON.stringify({ ...counted()[0], imageCount: -1 })]) {
      db.prepare('UPDATE dataset_summaries SET payload = ? WHERE dataset_id = ?').run(payload, g.datasetId);
      expect((await firstScreen()).list).toEqual(counted());
    }
  });

  it('a deleted dataset takes its kept summary with it', async () => {
    const client = createClient(inProcessTransport({ dispatch: owner.dispatch, subscribe: (l) => owner.events.subscribe(l) }));
    await client.call('datasets.delete', { datasetId: other });
    expect(keptRows().map((r) => r.dataset_id)).toEqual([g.datasetId]);
    expect((await firstScreen()).list).toEqual(counted());
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });
});
