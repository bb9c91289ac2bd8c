// An image whose ground truth was erased to all background is annotated as such (eval scores it):
// the VOC and COCO exports dropped it as if it had no ground truth, so a round trip changed the score.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { ExportResult } from '../../../src/shared/api/methods/exports';
import { ImportResult } from '../../../src/shared';
import { finishJob } from '../../helpers/engine';
import { openScene, type Scene } from './helpers';

const scenes: Scene[] = [];
afterEach(async () => {
  for (const s of scenes.splice(0)) await s.cleanup();
});

async function erasedScene(): Promise<Scene> {
  const s = await openScene();
  scenes.push(s);
  const imageId = s.imageIds[0] as number;
  await s.client.call('annotations.applyEdit', {
    imageId,
    baseRevision: 0,
    patch: { x: 0, y: 0, w: s.width, h: s.height, before: Array.from(s.labels[0]!), after: new Array(s.width * s.height).fill(0) },
  });
  const regions = (await s.client.call('annotations.get', { imageId })).regions;
  expect(regions.length).toBeGreaterThan(0);
  expect(regions.every((r) => r.deleted)).toBe(true);
  return s;
}

describe('an image erased to all background', () => {
  it('VOC: written as an all-0 mask, and imported back annotated', async () => {
    const s = await erasedScene();
    const out = join(s.root, 'voc');
    const done = await finishJob(s.client, () => s.client.call('datasets.export', { datasetId: s.datasetId, format: 'voc', outDir: out }));
    expect(ExportResult.parse(done.result)).toMatchObject({ images: 3 });
    const mask = decode(readFileSync(join(out, 'SegmentationClass', 'img_000.png')));
    expect([mask.width, mask.height, (mask.data as Uint8Array).every((v) => v === 0)]).toEqual([64, 48, true]);
    const again = ImportResult.parse(
      (await finishJob(s.client, () => s.client.call('datasets.importVoc', { root: out, name: 'again' }))).result,
    );
    expect(again).toMatchObject({ images: 3, annotated: 3 });
  });

  it('COCO: listed without annotations (so it reads back all background), not counted as without ground truth', async () => {
    const s = await erasedScene();
    const out = join(s.root, 'coco');
    const done = await finishJob(s.client, () => s.client.call('datasets.export', { datasetId: s.datasetId, format: 'coco', outDir: out }));
    expect(ExportResult.parse(done.result)).toMatchObject({ images: 3, unannotatedLeftOut: 0 });
    const doc = JSON.parse(readFileSync(join(out, 'instances.json'), 'utf8')) as {
      images: Array<{ id: number; file_name: string }>;
      annotations: Array<{ image_id: number }>;
    };
    const erased = doc.images.find((i) => i.file_name === 'img_000.png');
    expect(erased).toBeDefined();
    expect(doc.annotations.filter((a) => a.image_id === erased!.id)).toEqual([]);
  });
});
