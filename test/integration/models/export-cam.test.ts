import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeToys } from '../../../tools/toy-models';
import { tessera } from '../../helpers/cli';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';
import { parseNpyFloat32, planes, refTocoCam } from '../../helpers/reference';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir();
});
afterAll(() => t.cleanup());

describe('a CAM run from the CLI', () => {
  it('exports fused [C,H,W] float32 CAMs equal to an independent ToCo computation', async () => {
    const W = 448;
    const models = join(t.dir, 'models');
    mkdirSync(models);
    writeToys(models, ['cam']);
    const data = await writeSceneDataset(join(t.dir, 'scenes'), [
      {
        name: 'half',
        width: W,
        height: W,
        rects: [
          { x: 0, y: 0, w: 200, h: W, cls: 1 },
          { x: 200, y: 96, w: 248, h: 160, cls: 2 },
          { x: 300, y: 300, w: 100, h: 100, cls: 3 },
        ],
      },
    ]);
    const ws = join(t.dir, 'ws');
    for (const args of [
      ['init'],
      ['import', 'folder', data.images, '--masks', data.masks, '--name', 'scenes'],
      ['models', 'add', join(models, 'toy-colour-cam.manifest.json')],
      ['run', '--model', 'toy-colour-cam', '--dataset', 'scenes', '--device', 'cpu'],
      ['export', '--dataset', 'scenes', '--run', 'toy-colour-cam', '--format', 'npy', '--out', join(t.dir, 'npy')],
    ]) {
      const r = tessera(['--workspace', ws, ...args]);
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code).toBe(0);
    }
    const npy = parseNpyFloat32(readFileSync(join(t.dir, 'npy', 'half.npy')));
    expect(npy.shape).toEqual([3, W, W]);
    const expected = refTocoCam(planes(data.rgb.get('half') as Uint8Array, W, W), W);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs((npy.data[i] as number) - (expected[i] as number)));
    expect(worst).toBeLessThan(1e-4);
  });
});
