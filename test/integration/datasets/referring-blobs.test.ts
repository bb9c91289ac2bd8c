import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { encodeMask } from '../../../src/main/engine/masks/rle';
import { openTestEngine } from '../../helpers/engine';
import { rectLabels, tempDir, writeSolidImage } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';

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

describe('referring ground truth blobs', () => {
  it('serve each query sample its own mask, and the first query by default', async () => {
    await writeSolidImage(join(t.dir, 'r.png'), 20, 10, [0, 0, 0]);
    const { repos, db } = engineInternals(env.engine);
    const a = rectLabels(20, 10, { x: 1, y: 1, w: 4, h: 3 }, 1);
    const b = rectLabels(20, 10, { x: 10, y: 2, w: 6, h: 5 }, 1);
    const { imageId, sampleIds } = db.transaction(() => {
      const id = repos.datasets.create({ name: 'refer', format: 'reasonseg', task: 'referring', sourcePath: null });
      const img = repos.images.create({
        datasetId: id,
        path: join(t.dir, 'r.png'),
        fileName: 'r.png',
        sha256: 'x',
        bytes: 1,
        width: 20,
        height: 10,
      });
      const ids = [a, b].map((mask, k) => {
        const sid = repos.images.createSample(img, `query ${k}`, [`query ${k}`], false);
        repos.annotations.create({
          sampleId: sid,
          classIdx: 1,
          rle: encodeMask(mask, 10, 20),
          area: mask.reduce((x, y) => x + y, 0),
          bbox: [0, 0, 1, 1],
        });
        return sid;
      });
      return { imageId: img, sampleIds: ids };
    })();
    const byDefault = await env.engine.blobs.read({ kind: 'labelmap', imageId, source: 'gt' });
    expect(Array.from(byDefault.bytes)).toEqual(Array.from(a));
    const second = await env.engine.blobs.read({ kind: 'labelmap', imageId, source: 'gt', sampleId: sampleIds[1] as number });
    expect(Array.from(second.bytes)).toEqual(Array.from(b));
    await expect(env.engine.blobs.read({ kind: 'labelmap', imageId, source: 'gt', sampleId: 999 })).rejects.toThrow(
      /not a sample of image/,
    );
  });
});
