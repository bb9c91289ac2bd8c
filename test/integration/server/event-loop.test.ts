import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../../src/main/server/server';
import type { Engine } from '../../../src/main/engine/engine';
import { createGalleryWorkspace, type GalleryWorkspace } from '../../../bench/galleryWorkspace';
import { tempDir } from '../../helpers/fixtures';

// `tessera serve` on loopback over a generated 20,000-image workspace: while heavy gallery and score
// reads are in flight, a workspace.info ping is answered. Before the read worker these reads ran on
// the server's one event loop and every other request waited for them (99.8 s once); no timing
// thresholds here, only the order in which the answers arrive.
const TOKEN = 'event-loop-token-0123456789';
const COUNT = 20_000;
let engine: Engine;
let server: RunningServer;
let g: GalleryWorkspace;
let cleanup: () => void;
/** Methods the server has handed to the engine, in order. */
const received: string[] = [];

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  ({ engine, gallery: g } = createGalleryWorkspace(join(t.dir, 'ws'), COUNT));
  // The server's engine, noting each call as the server hands it over (so the ping is sent only once
  // every heavy read has reached the engine).
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

async function call(method: string, input: unknown): Promise<{ ok: boolean; value?: unknown }> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/call/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  return (await res.json()) as { ok: boolean; value?: unknown };
}

describe('the server never blocks on a heavy read', () => {
  it('answers workspace.info while per-image scores and filtered pages of 20,000 images are being read', async () => {
    // The worker thread is started (a cheap call), so what follows measures reads, not its start-up.
    expect((await call('images.page', { datasetId: g.datasetId, limit: 1 })).ok).toBe(true);
    const finished: string[] = [];
    const track = (name: string, p: Promise<{ ok: boolean }>) =>
      p.then((r) => {
        finished.push(name);
        return r;
      });
    // Cold reads (nothing cached for these): every stored score of the run, two filtered scans, an id list.
    const heavy = [
      track('perImage', call('metrics.perImage', { datasetId: g.datasetId, runId: g.runId })),
      track('page:run+class', call('images.page', { datasetId: g.datasetId, runId: g.partialRunId, classPresent: 5, limit: 1000 })),
      track('page:tag+gt', call('images.page', { datasetId: g.datasetId, tag: g.tag, hasGroundTruth: true, offset: 1500, limit: 500 })),
      track('ids:state', call('images.ids', { datasetId: g.datasetId, reviewState: 'in-review' })),
    ];
    // Send the ping once all four have reached the engine (a read in the event loop would have
    // finished by then, and its answer would come back first).
    while (received.length < 5) await new Promise((r) => setImmediate(r));
    const ping = await track('info', call('workspace.info', {}));
    expect(ping.ok).toBe(true);
    const results = await Promise.all(heavy);
    expect(results.every((r) => r.ok)).toBe(true);
    // The ping came back while the first heavy read (every score of 19,600 samples) was still running.
    expect(finished[0]).toBe('info');
    expect(finished.indexOf('info')).toBeLessThan(finished.indexOf('perImage'));
    const scores = results[0] as unknown as { value: { sampleIds: unknown[] } };
    expect(scores.value.sampleIds.length).toBe(COUNT - COUNT / 50);
  });
});
