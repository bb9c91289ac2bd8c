import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeToys } from '../../../tools/toy-models';
import { tessera } from '../../helpers/cli';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';
import { parseNpyFloat32, refCamSweepMiou } from '../../helpers/reference';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir();
});
afterAll(() => t.cleanup());

describe('CAM quality (eval --cam-sweep)', () => {
  it('gives the pseudo-label mIoU of each background threshold and the best one, as a plain loop over the exported CAMs does', async () => {
    const W = 448;
    const models = join(t.dir, 'models');
    mkdirSync(models);
    writeToys(models, ['cam']);
    const scenes = [
      {
        name: 'a',
        width: W,
        height: W,
        rects: [
          { x: 20, y: 30, w: 180, h: 200, cls: 1 },
          { x: 260, y: 200, w: 150, h: 150, cls: 3 },
        ],
      },
      {
        name: 'b',
        width: W,
        height: W,
        rects: [
          { x: 100, y: 40, w: 250, h: 120, cls: 2 },
          { x: 60, y: 300, w: 90, h: 90, cls: 1 },
        ],
      },
    ];
    const data = await writeSceneDataset(join(t.dir, 'scenes'), scenes);
    const ws = join(t.dir, 'ws');
    for (const args of [
      ['init'],
      ['import', 'folder', data.images, '--masks', data.masks, '--name', 'scenes'],
      ['models', 'add', join(models, 'toy-colour-cam.manifest.json')],
      ['run', '--model', 'toy-colour-cam', '--dataset', 'scenes', '--device', 'cpu'],
      ['export', '--dataset', 'scenes', '--run', 'toy-colour-cam', '--format', 'npy', '--out', join(t.dir, 'npy')],
    ]) {
      expect(tessera(['--workspace', ws, ...args]).code, args.join(' ')).toBe(0);
    }
    const r = tessera(['--workspace', ws, 'eval', '--dataset', 'scenes', '--run', 'toy-colour-cam', '--cam-sweep', '--json']);
    expect(r.stderr).toBe('');
    const sweep = JSON.parse(r.stdout) as {
      images: number;
      thresholds: number[];
      miou: number[];
      best: { threshold: number; miou: number };
    };
    expect(sweep.images).toBe(2);

    // Reference: per image, CAM channels of the classes in its GT (channel k = class k+1), argmax,
    // background where max <= t (compared in float32), one confusion matrix; mIoU over GT classes.
    const expected = sweep.thresholds.map((thr) =>
      refCamSweepMiou(
        scenes.map((s) => {
          const cam = parseNpyFloat32(readFileSync(join(t.dir, 'npy', `${s.name}.npy`))).data;
          const gt = data.labels.get(s.name) as Uint8Array;
          const present = [1, 2, 3].filter((c) => gt.includes(c));
          return { gt, channels: present.map((c) => ({ cls: c, cam: cam.subarray((c - 1) * W * W, c * W * W) })) };
        }),
        4,
        thr,
      ),
    );
    sweep.miou.forEach((m, i) => expect(Math.abs(m - (expected[i] as number))).toBeLessThan(1e-9));
    const bestIndex = expected.indexOf(Math.max(...expected));
    expect(sweep.best.threshold).toBe(sweep.thresholds[bestIndex]);
  });
});
