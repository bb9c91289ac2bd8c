// Two images with one stem (a.jpg, a.png): a prediction file a.png or a.npy cannot say which image it
// belongs to. It is refused, naming both, instead of silently going to whichever image came last.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImportResult } from '../../../src/shared';
import { finishJob } from '../../helpers/engine';
import { npyBytes } from '../../unit/engine/datasets/npyBytes';
import { setup, storeSnapshot } from './store';

describe('prediction files named by a stem two images share', () => {
  it.each(['png', 'npy'] as const)('are refused in one line (%s), the store unchanged', async (format) => {
    const s = setup();
    const images = join(s.root, 'images');
    mkdirSync(images);
    const pixels = (c: number) => sharp(Buffer.alloc(8 * 6 * 3, c), { raw: { width: 8, height: 6, channels: 3 } });
    await pixels(10).jpeg().toFile(join(images, 'a.jpg'));
    await pixels(200).png().toFile(join(images, 'a.png'));
    await pixels(90).png().toFile(join(images, 'b.png'));
    const imported = await finishJob(s.client, () => s.client.call('datasets.importFolder', { dir: images, name: 'stems' }));
    expect(imported.error).toBeNull();
    const { datasetId } = ImportResult.parse(imported.result);
    const before = storeSnapshot(s.engine);
    const preds = join(s.root, 'preds');
    mkdirSync(preds);
    if (format === 'png') {
      const mask = (v: number) => sharp(Buffer.alloc(8 * 6, v), { raw: { width: 8, height: 6, channels: 1 } }).png();
      await mask(1).toFile(join(preds, 'a.png'));
      await mask(0).toFile(join(preds, 'b.png'));
    } else {
      writeFileSync(join(preds, 'a.npy'), npyBytes('<f4', [6, 8], new Float32Array(48).fill(0.5)));
      writeFileSync(join(preds, 'b.npy'), npyBytes('<f4', [6, 8], new Float32Array(48).fill(0.25)));
    }
    const done = await finishJob(s.client, () => s.client.call('runs.importPredictions', { datasetId, run: 'p', format, path: preds }));
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(new RegExp(`a\\.${format}: the dataset has 2 images named "a" \\(a\\.(jpg|png), a\\.(jpg|png)\\)`));
    expect(done.error?.message).not.toContain('\n');
    expect(storeSnapshot(s.engine)).toEqual(before);
  });
});
