import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { ImportResult } from '../../../src/shared';
import { finishJob } from '../../helpers/engine';
import { npyBytes } from '../../unit/engine/datasets/npyBytes';
import { makeVocRoot } from './generate';
import { png30000 } from './hugePng';
import { setup, storeSnapshot } from './store';

/**
 * Hostile prediction files (issue 10 §3): each is refused quickly in one line naming the file and
 * the value, with the store exactly as before. The VOC dataset is 48x36 with 21 classes.
 */
const W = 48;
const H = 36;

async function expectRefused(make: (dir: string) => void, format: 'png' | 'npy' | 'toco-cam', message: RegExp): Promise<void> {
  const s = setup();
  const voc = await makeVocRoot(join(s.root, 'voc'), { n: 3 });
  const imported = await finishJob(s.client, () => s.client.call('datasets.importVoc', { root: voc.root, name: 'voc' }));
  const { datasetId } = ImportResult.parse(imported.result);
  const before = storeSnapshot(s.engine);
  const dir = join(s.root, 'bad');
  mkdirSync(dir);
  make(dir);
  const done = await finishJob(s.client, () => s.client.call('runs.importPredictions', { datasetId, run: 'bad', format, path: dir }));
  expect(done.status).toBe('failed');
  expect(done.error?.code).toBe('INVALID_INPUT');
  expect(done.error?.message).toMatch(message);
  expect(done.error?.message).not.toContain('\n');
  expect(storeSnapshot(s.engine)).toEqual(before);
  expect(before.integrity).toBe('ok');
}

const cam = (shape: number[], values?: Float32Array): Uint8Array =>
  npyBytes('<f4', shape, values ?? new Float32Array(shape.reduce((a, b) => a * b, 1)));

describe('hostile prediction files are refused in one line, the store unchanged', () => {
  it('a 30000x30000 prediction PNG: its size is read from the header, nothing is inflated', async () => {
    await expectRefused(
      (dir) => writeFileSync(join(dir, '2007_000001.png'), png30000()),
      'png',
      /2007_000001\.png: prediction is 30000x30000 but image 2007_000001\.jpg is 48x36$/,
    );
  });

  it('a .npy with 3,000 channels', async () => {
    await expectRefused(
      (dir) => writeFileSync(join(dir, '2007_000000.npy'), cam([3000, 4, 4])),
      'npy',
      /2007_000000\.npy: the array has 3000 channels \(shape \(3000, 4, 4\)\); the dataset has 21 classes$/,
    );
  });

  it('NaN, +Inf and all-NaN .npy maps, naming the value and where it is', async () => {
    const values = new Float32Array(2 * 4 * 4);
    values[21] = Number.NaN;
    await expectRefused(
      (dir) => writeFileSync(join(dir, '2007_000000.npy'), cam([2, 4, 4], values)),
      'npy',
      /2007_000000\.npy: the array holds NaN at \[1, 1, 1\] \(1 of 32 values are not finite\); heatmaps must be finite numbers$/,
    );
    await expectRefused(
      (dir) => {
        const v = new Float32Array(9);
        v[4] = Number.POSITIVE_INFINITY;
        writeFileSync(join(dir, '2007_000001.npy'), cam([3, 3], v));
      },
      'npy',
      /2007_000001\.npy: the array holds Infinity at \[1, 1\]/,
    );
    await expectRefused(
      (dir) => writeFileSync(join(dir, '2007_000002.npy'), npyBytes('<f8', [2, 2], new Float64Array(4).fill(Number.NaN))),
      'npy',
      /2007_000002\.npy: the array holds NaN at \[0, 0\] \(every value is\)/,
    );
  });

  it('zero-size .npy shapes [0,H,W] and [4,0,0]', async () => {
    await expectRefused(
      (dir) => writeFileSync(join(dir, '2007_000000.npy'), cam([0, H, W])),
      'npy',
      /2007_000000\.npy: the array has shape \(0, 36, 48\): it holds no values$/,
    );
    await expectRefused(
      (dir) => writeFileSync(join(dir, '2007_000000.npy'), cam([4, 0, 0])),
      'npy',
      /2007_000000\.npy: the array has shape \(4, 0, 0\): it holds no values$/,
    );
  });

  it('toco-cam keys outside the dataset classes (9 is fine for VOC; 20 and -1 are not)', async () => {
    const dict = (keys: bigint[]): Uint8Array =>
      zipSync({
        'keys.npy': npyBytes('<i8', [keys.length], new BigInt64Array(keys)),
        'high_res.npy': cam([keys.length, H, W]),
      });
    await expectRefused(
      (dir) => writeFileSync(join(dir, '2007_000000.npz'), dict([9n, 20n])),
      'toco-cam',
      /2007_000000\.npz: key 20 is not a class of the dataset \(its foreground classes are keys 0\.\.19\); keys are class indices without background$/,
    );
    await expectRefused(
      (dir) => writeFileSync(join(dir, '2007_000000.npz'), dict([-1n])),
      'toco-cam',
      /2007_000000\.npz: key -1 is not a class of the dataset/,
    );
  });

  it('a CAM dict that would inflate far past what the image and classes allow is refused from its header', async () => {
    // 2,000 maps at image size: 14 MB of float32 zeros in a zip of a few KB (a zip bomb in small).
    await expectRefused(
      (dir) =>
        writeFileSync(
          join(dir, '2007_000000.npz'),
          zipSync({ 'keys.npy': npyBytes('<i8', [1], new BigInt64Array([0n])), 'high_res.npy': cam([2000, H, W]) }, { level: 9 }),
        ),
      'toco-cam',
      /2007_000000\.npz\/high_res\.npy: inflates to 13824128 bytes, more than the \d+ allowed for .*2007_000000\.npz$/,
    );
  });

  it('a CAM dict with NaN in high_res', async () => {
    const v = new Float32Array(H * W);
    v[W + 2] = Number.NEGATIVE_INFINITY;
    await expectRefused(
      (dir) =>
        writeFileSync(
          join(dir, '2007_000000.npz'),
          zipSync({ 'keys.npy': npyBytes('<i8', [1], new BigInt64Array([3n])), 'high_res.npy': cam([1, H, W], v) }),
        ),
      'toco-cam',
      /2007_000000\.npz: high_res holds -Infinity at \[0, 1, 2\]/,
    );
  });
});
