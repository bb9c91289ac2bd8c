import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TesseraClient } from '../../../src/shared';
import type { Engine } from '../../../src/main/engine/engine';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { addReferringDataset, naiveReferring } from '../metrics/helpers';

// A referring dataset whose image files do not exist: the report still renders (blank image cells),
// with gIoU / cIoU / P@t columns, through the API (reports.create job) rather than the CLI.
const size = { w: 8, h: 6 };
let engine: Engine;
let client: TesseraClient;
let cleanup: () => void;
let root: string;

beforeAll(() => {
  const t = tempDir('tessera-refer-report-');
  cleanup = t.cleanup;
  root = t.dir;
  ({ engine, client } = openTestEngine(join(root, 'ws')));
});

afterAll(async () => {
  await engine?.close();
  cleanup?.();
});

describe('reports on a referring dataset', () => {
  it('writes gIoU, cIoU and precision columns that match a reference, into the workspace reports/ folder', async () => {
    const fg = new Uint8Array(size.w * size.h).map((_, i) => (i % size.w < 4 ? 1 : 0));
    const pairs = [
      { query: 'left half', gt: fg, pred: fg },
      { query: 'left half, missed', gt: fg, pred: new Uint8Array(size.w * size.h) },
      { query: 'nothing', gt: new Uint8Array(size.w * size.h), pred: new Uint8Array(size.w * size.h) },
    ];
    const ds = addReferringDataset(engine, 'refs', pairs, size);
    const done = await finishJob(client, () =>
      client.call('reports.create', { datasetId: ds.datasetId, runIds: [ds.runId], format: 'json' }),
    );
    expect(done.error).toBeNull();
    const path = String(done.result?.['path']);
    expect(path.startsWith(join(root, 'ws', 'reports'))).toBe(true);
    const model = JSON.parse(readFileSync(path, 'utf8'));
    const ref = naiveReferring(pairs);
    expect(model.runs[0].scores.referring.giou).toBeCloseTo(ref.giou, 12);
    expect(model.runs[0].scores.referring.ciou).toBeCloseTo(ref.ciou!, 12);
    expect(model.definitions.map((d: { name: string }) => d.name)).toEqual(['lisa-giou', 'lisa-ciou', 'lisa-precision']);

    const html = await finishJob(client, () =>
      client.call('reports.create', { datasetId: ds.datasetId, runIds: [ds.runId], format: 'html', out: join(root, 'refs.html') }),
    );
    expect(html.error).toBeNull();
    const text = readFileSync(join(root, 'refs.html'), 'utf8');
    expect(text).toContain('>gIoU<');
    expect(text).toContain(`>${(ref.giou * 100).toFixed(2)}<`);
    expect(text).toContain('“left half, missed”');
  });
});
