import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../../src/main/server/server';
import { createEngine, type Engine } from '../../../src/main/engine/engine';
import { engineInternals } from '../../../src/main/engine/internals';
import { tempDir } from '../../helpers/fixtures';

// `tessera serve` on loopback over a generated workspace of 100,000 images: tags.apply, tags.remove
// and images.setReviewState with the schema's maximum of 100,000 ids are written in slices
// (tags/bulk.ts), so a workspace.info sent while one is in flight comes back before it. Before, one
// transaction held the event loop for the whole list (~0.65 s) and the ping waited behind it. As in
// event-loop.test.ts: no timing thresholds, only the order in which the answers arrive.
const TOKEN = 'bulk-writes-token-0123456789';
const COUNT = 100_000;
let engine: Engine;
let server: RunningServer;
let cleanup: () => void;
let datasetId = 0;
const ids = Array.from({ length: COUNT }, (_, i) => i + 1);
/** Methods the server has handed to the engine, in order. */
const received: string[] = [];

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  engine = createEngine({ workspace: join(t.dir, 'ws'), create: true });
  const { db, repos } = engineInternals(engine);
  // Bare image rows (no files, no samples): what the tag and review-state calls touch.
  db.transaction(() => {
    datasetId = repos.datasets.create({ name: 'big', format: 'voc', task: 'semantic', sourcePath: null });
    const insert = db.prepare(
      'INSERT INTO images (dataset_id, path, file_name, sha256, bytes, width, height) VALUES (?, ?, ?, ?, 1, 4, 4)',
    );
    for (let i = 0; i < COUNT; i++) insert.run(datasetId, `/generated/${i}.png`, `${i}.png`, String(i).padStart(64, '0'));
  })();
  expect(db.prepare('SELECT MIN(id), MAX(id) FROM images').raw().get()).toEqual([1, COUNT]);
  const noted: Engine = {
    ...engine,
    dispatch: (method, input, ctx) => {
      received.push(method);
      return engine.dispatch(method, input, ctx);
    },
  };
  server = await startServer({ engine: noted, host: '127.0.0.1', port: 0, token: TOKEN, staticDir: null });
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  cleanup?.();
});

afterEach(() => {
  delete process.env['TESSERA_TEST_SLICE_ITEMS'];
  engineInternals(engine).db.exec('DROP TRIGGER IF EXISTS temp.fail_at');
});

interface Envelope {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}

async function call(method: string, input: unknown): Promise<Envelope> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/call/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  return (await res.json()) as Envelope;
}

/** Sends `method`, then a workspace.info once the server has handed it over; the names in the order their answers came. */
async function withPing(method: string, input: unknown): Promise<{ order: string[]; result: Envelope; ping: Envelope }> {
  const order: string[] = [];
  const before = received.length;
  const big = call(method, input).then((r) => {
    order.push(method);
    return r;
  });
  while (received.length <= before) await new Promise((r) => setImmediate(r));
  const ping = await call('workspace.info', {});
  order.push('workspace.info');
  return { order, result: await big, ping };
}

const db = () => engineInternals(engine).db;
const linked = (tag: string): number =>
  db().prepare('SELECT COUNT(*) FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE t.name = ?').pluck().get(tag) as number;
const states = (): Record<string, number> =>
  Object.fromEntries(
    db().prepare('SELECT review_state, COUNT(*) FROM images GROUP BY review_state').raw().all() as Array<[string, number]>,
  );

describe('a write of 100,000 ids leaves the server answering', () => {
  it('tags.apply: workspace.info comes back first, and every image is tagged', async () => {
    const { order, result, ping } = await withPing('tags.apply', { tag: 'all', imageIds: ids });
    expect(ping.ok).toBe(true);
    expect(result).toMatchObject({ ok: true, value: { applied: COUNT } });
    expect(order).toEqual(['workspace.info', 'tags.apply']);
    expect(linked('all')).toBe(COUNT);
    const list = (await call('tags.list', { datasetId })).value as Array<{ name: string; imageCount: number }>;
    expect(list.find((t) => t.name === 'all')?.imageCount).toBe(COUNT);
    // Applying again makes no new links.
    expect(await call('tags.apply', { tag: 'all', imageIds: ids })).toMatchObject({ ok: true, value: { applied: 0 } });
  });

  it('five concurrent tags.apply of one new tag: each answers, the links are made once', async () => {
    const before = received.length;
    const calls = Array.from({ length: 5 }, () => call('tags.apply', { tag: 'five', imageIds: ids }));
    while (received.length < before + 5) await new Promise((r) => setImmediate(r));
    const ping = await call('workspace.info', {});
    let finished = 0;
    const results = await Promise.all(calls.map((c) => c.then((r) => (finished++, r))));
    expect(ping.ok).toBe(true);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.reduce((n, r) => n + (r.value as { applied: number }).applied, 0)).toBe(COUNT);
    expect(linked('five')).toBe(COUNT);
    expect(finished).toBe(5);
  });

  it('tags.remove: workspace.info comes back first, and every link goes', async () => {
    const { order, result } = await withPing('tags.remove', { tag: 'all', imageIds: ids });
    expect(result).toMatchObject({ ok: true, value: { removed: COUNT } });
    expect(order).toEqual(['workspace.info', 'tags.remove']);
    expect(linked('all')).toBe(0);
  });

  it('images.setReviewState: workspace.info comes back first, and every image has the state', async () => {
    const { order, result } = await withPing('images.setReviewState', { imageIds: ids, state: 'reviewed' });
    expect(result).toEqual({ ok: true, value: { updated: COUNT } });
    expect(order).toEqual(['workspace.info', 'images.setReviewState']);
    expect(states()).toEqual({ reviewed: COUNT });
    const reviewed = (await call('images.ids', { datasetId, reviewState: 'reviewed' })).value as number[];
    expect(reviewed).toHaveLength(COUNT);
  });

  it('an unknown id fails the call before anything is written', async () => {
    const r = await call('tags.apply', { tag: 'never', imageIds: [...ids.slice(1), COUNT + 7] });
    expect(r.error).toEqual({ code: 'NOT_FOUND', message: `image ${COUNT + 7} not found` });
    expect(db().prepare('SELECT COUNT(*) FROM tags WHERE name = ?').pluck().get('never')).toBe(0);
  });
});

describe('a bulk write that fails part-way leaves the store exactly as before', () => {
  // Slices of 1,000 ids; a trigger fails the write of image 60,000, so ~59 slices are committed first.
  const failAt = (sql: string) => {
    process.env['TESSERA_TEST_SLICE_ITEMS'] = '1000';
    db().exec(`CREATE TEMP TRIGGER fail_at ${sql} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
  };

  it('tags.apply of a new tag: no link and no tag is left', async () => {
    failAt('BEFORE INSERT ON image_tags WHEN NEW.image_id = 60000');
    const r = await call('tags.apply', { tag: 'doomed', imageIds: ids });
    expect(r.ok).toBe(false);
    expect(r.error?.message).toMatch(/injected failure/);
    expect(linked('doomed')).toBe(0);
    expect(db().prepare('SELECT COUNT(*) FROM tags WHERE name = ?').pluck().get('doomed')).toBe(0);
  });

  it('tags.apply of an existing tag: the links it had before, and only those', async () => {
    // 'five' is on every image; take it off the odd ids, then fail re-applying it to all.
    const odd = ids.filter((id) => id % 2 === 1);
    expect((await call('tags.remove', { tag: 'five', imageIds: odd })).value).toEqual({ removed: COUNT / 2 });
    failAt('BEFORE INSERT ON image_tags WHEN NEW.image_id = 60001');
    expect((await call('tags.apply', { tag: 'five', imageIds: ids })).ok).toBe(false);
    expect(linked('five')).toBe(COUNT / 2);
    expect(
      db()
        .prepare("SELECT COUNT(*) FROM image_tags WHERE tag_id = (SELECT id FROM tags WHERE name = 'five') AND image_id % 2 = 1")
        .pluck()
        .get(),
    ).toBe(0);
  });

  it('tags.remove: every link is back', async () => {
    failAt('BEFORE DELETE ON image_tags WHEN OLD.image_id = 60000');
    expect((await call('tags.remove', { tag: 'five', imageIds: ids })).ok).toBe(false);
    expect(linked('five')).toBe(COUNT / 2);
  });

  it('images.setReviewState: every image keeps its own earlier state', async () => {
    db().prepare("UPDATE images SET review_state = 'rejected' WHERE id % 3 = 0").run();
    const before = states();
    const checksum = () => db().prepare("SELECT SUM(id * (review_state = 'rejected')) FROM images").pluck().get();
    const sum = checksum();
    failAt("BEFORE UPDATE OF review_state ON images WHEN NEW.id = 60000 AND NEW.review_state = 'in-review'");
    expect((await call('images.setReviewState', { imageIds: ids, state: 'in-review' })).ok).toBe(false);
    expect(states()).toEqual(before);
    expect(checksum()).toBe(sum);
  });
});
