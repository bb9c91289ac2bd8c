import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { tessera } from '../../helpers/cli';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';
import { npyBytes } from '../../unit/engine/datasets/npyBytes';
import { refCamSweepMiou } from '../../helpers/reference';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir();
});
afterAll(() => t.cleanup());

const W = 40;
const H = 30;

/** A deterministic CAM channel: high inside the class's rectangles, a spread of lower values elsewhere. */
function channel(labels: Uint8Array, cls: number, seed: number): Float32Array {
  const out = new Float32Array(W * H);
  for (let i = 0; i < out.length; i++) {
    const noise = ((i * 7919 + seed * 104729) % 1000) / 1000;
    out[i] = labels[i] === cls ? 0.35 + 0.65 * noise : 0.6 * noise;
  }
  return out;
}

describe('CAM quality of an imported ToCo CAM run (eval --cam-sweep)', () => {
  it("scores the saved high_res as ToCo's tools/eval_cam.py does: background channel t padded in front, argmax, keys + 1", async () => {
    const scenes = [
      {
        name: 'a',
        width: W,
        height: H,
        rects: [
          { x: 2, y: 3, w: 15, h: 12, cls: 1 },
          { x: 22, y: 10, w: 14, h: 16, cls: 3 },
        ],
      },
      { name: 'b', width: W, height: H, rects: [{ x: 5, y: 5, w: 30, h: 10, cls: 2 }] },
    ];
    const data = await writeSceneDataset(join(t.dir, 'scenes'), scenes);
    // The dicts ToCo saves: keys = foreground ids (class - 1) of the image's labels, high_res [K,H,W].
    // Image b also gets a channel for class 1, which its GT lacks: it is scored as saved.
    const dicts = new Map<string, { keys: number[]; cams: Float32Array[] }>();
    const camDir = join(t.dir, 'cams');
    mkdirSync(camDir);
    for (const [name, classes] of [
      ['a', [1, 3]],
      ['b', [1, 2]],
    ] as const) {
      const labels = data.labels.get(name)!;
      const cams = classes.map((c, k) => channel(labels, c, k + 1));
      const keys = classes.map((c) => c - 1);
      dicts.set(name, { keys, cams });
      const highRes = new Float32Array(cams.length * W * H);
      cams.forEach((c, k) => highRes.set(c, k * W * H));
      writeFileSync(
        join(camDir, `${name}.npz`),
        zipSync({
          'keys.npy': npyBytes('<i8', [keys.length], BigInt64Array.from(keys.map(BigInt))),
          'high_res.npy': npyBytes('<f4', [cams.length, H, W], highRes),
        }),
      );
    }
    const ws = join(t.dir, 'ws');
    for (const args of [
      ['init'],
      ['import', 'folder', data.images, '--masks', data.masks, '--name', 'scenes'],
      ['import', 'predictions', camDir, '--dataset', 'scenes', '--run', 'toco', '--format', 'toco-cam'],
    ]) {
      const r = tessera(['--workspace', ws, ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const r = tessera(['--workspace', ws, 'eval', '--dataset', 'scenes', '--run', 'toco', '--cam-sweep', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const sweep = JSON.parse(r.stdout) as {
      images: number;
      thresholds: number[];
      miou: number[];
      best: { threshold: number; miou: number };
    };
    expect(sweep.images).toBe(2);

    // Reference: eval_cam.py line by line. np.pad(cams, ((1,0),(0,0),(0,0)), constant_values=t) in
    // float32, np.argmax (first maximum wins, so the background wins ties), keys = pad(keys + 1),
    // one confusion matrix over both images, mIoU over classes present in GT (utils/evaluate.py).
    const expected = sweep.thresholds.map((thr) =>
      refCamSweepMiou(
        scenes.map((s) => {
          const { keys, cams } = dicts.get(s.name)!;
          return { gt: data.labels.get(s.name)!, channels: cams.map((cam, k) => ({ cls: keys[k]! + 1, cam })) };
        }),
        4,
        thr,
      ),
    );
    sweep.miou.forEach((m, i) => expect(Math.abs(m - expected[i]!), `t = ${sweep.thresholds[i]}`).toBeLessThan(1e-12));
    // The sweep is not flat: the threshold matters, and the best one is where the reference peaks.
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.1);
    const bestIndex = expected.indexOf(Math.max(...expected));
    expect(sweep.best.threshold).toBe(sweep.thresholds[bestIndex]);
    expect(sweep.best.miou).toBeCloseTo(expected[bestIndex]!, 12);
  });

  it('sweeps a [C,H,W] .npy of every foreground class as ToCo does: the channels of the classes in the GT; other shapes say why', async () => {
    const scenes = [
      {
        name: 'a',
        width: W,
        height: H,
        rects: [
          { x: 2, y: 3, w: 15, h: 12, cls: 1 },
          { x: 22, y: 10, w: 14, h: 16, cls: 3 },
        ],
      },
      { name: 'b', width: W, height: H, rects: [{ x: 5, y: 5, w: 30, h: 10, cls: 2 }] },
    ];
    const data = await writeSceneDataset(join(t.dir, 'scenes-npy'), scenes);
    const C = 4; // background + 3 classes
    const cams = new Map<string, Float32Array[]>();
    const dirs = {
      all: join(t.dir, 'npy-all'),
      two: join(t.dir, 'npy-two'),
      small: join(t.dir, 'npy-small'),
      mixed: join(t.dir, 'npy-mixed'),
      missing: join(t.dir, 'npy-missing'),
      u8: join(t.dir, 'npy-u8'),
    };
    for (const d of Object.values(dirs)) mkdirSync(d);
    for (const s of scenes) {
      const labels = data.labels.get(s.name)!;
      const chans = [1, 2, 3].map((c) => channel(labels, c, c + 7));
      cams.set(s.name, chans);
      const all = new Float32Array(3 * W * H);
      chans.forEach((c, k) => all.set(c, k * W * H));
      writeFileSync(join(dirs.all, `${s.name}.npy`), npyBytes('<f4', [3, H, W], all));
      writeFileSync(join(dirs.two, `${s.name}.npy`), npyBytes('<f4', [2, H, W], all.subarray(0, 2 * W * H)));
      writeFileSync(join(dirs.small, `${s.name}.npy`), npyBytes('<f4', [3, H / 2, W / 2], all.subarray(0, (3 * W * H) / 4)));
      // a: its CAMs; b: at half size (mixed) or no file (missing).
      writeFileSync(
        join(dirs.mixed, `${s.name}.npy`),
        s.name === 'a' ? npyBytes('<f4', [3, H, W], all) : npyBytes('<f4', [3, H / 2, W / 2], all.subarray(0, (3 * W * H) / 4)),
      );
      if (s.name === 'a') writeFileSync(join(dirs.missing, `${s.name}.npy`), npyBytes('<f4', [3, H, W], all));
      writeFileSync(
        join(dirs.u8, `${s.name}.npy`),
        npyBytes(
          '|u1',
          [3, H, W],
          Uint8Array.from(all, (v) => Math.round(v * 255)),
        ),
      );
    }
    const ws = join(t.dir, 'ws-npy');
    const cli = (args: string[]) => tessera(['--workspace', ws, ...args]);
    for (const args of [
      ['init'],
      ['import', 'folder', data.images, '--masks', data.masks, '--name', 'scenes'],
      ['import', 'predictions', dirs.all, '--dataset', 'scenes', '--run', 'all', '--format', 'npy'],
      ['import', 'predictions', dirs.two, '--dataset', 'scenes', '--run', 'two', '--format', 'npy'],
      ['import', 'predictions', dirs.small, '--dataset', 'scenes', '--run', 'small', '--format', 'npy'],
      ['import', 'predictions', dirs.mixed, '--dataset', 'scenes', '--run', 'mixed', '--format', 'npy'],
      ['import', 'predictions', dirs.missing, '--dataset', 'scenes', '--run', 'missing', '--format', 'npy'],
      ['import', 'predictions', dirs.u8, '--dataset', 'scenes', '--run', 'u8', '--format', 'npy'],
    ]) {
      const r = cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const r = cli(['eval', '--dataset', 'scenes', '--run', 'all', '--cam-sweep', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const sweep = JSON.parse(r.stdout) as { images: number; thresholds: number[]; miou: number[] };
    expect(sweep.images).toBe(2);
    // Reference: ToCo's cam_to_label with the GT image labels: channels of classes absent from the
    // GT are dropped (a: classes 1 and 3; b: class 2), background where the max is <= t (float32).
    const expected = sweep.thresholds.map((thr) =>
      refCamSweepMiou(
        scenes.map((s) => {
          const gt = data.labels.get(s.name)!;
          const keep = [1, 2, 3].filter((c) => gt.includes(c));
          return { gt, channels: keep.map((c) => ({ cls: c, cam: cams.get(s.name)![c - 1]! })) };
        }),
        C,
        thr,
      ),
    );
    sweep.miou.forEach((m, i) => expect(Math.abs(m - expected[i]!), `t = ${sweep.thresholds[i]}`).toBeLessThan(1e-12));
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.1);

    // Two channels for three classes, or maps at half size: refused in one line saying why.
    const two = cli(['eval', '--dataset', 'scenes', '--run', 'two', '--cam-sweep']);
    expect(two).toMatchObject({ code: 1, stdout: '' });
    expect(two.stderr).toBe(
      'error: run "two": its .npy CAMs have 2 channels and no class ids: a [C,H,W] .npy is swept when C is the dataset\'s 3 foreground classes (channel k = class k+1); for CAMs of some classes only, import ToCo/IRN dicts with --format toco-cam (keys = class ids)\n',
    );
    const small = cli(['eval', '--dataset', 'scenes', '--run', 'small', '--cam-sweep']);
    expect(small.stderr).toBe(
      `error: run "small": its CAMs are [3,${H / 2},${W / 2}] and the image is ${H}x${W}: the sweep scores CAMs at the image's size, as ToCo's high_res\n`,
    );

    // Some CAMs usable, some not (or none stored): the sweep scores the rest and says which it left out.
    const mixed = cli(['eval', '--dataset', 'scenes', '--run', 'mixed', '--cam-sweep', '--json']);
    expect(mixed.code).toBe(0);
    expect(mixed.stderr).toBe(
      `warning: 1 annotated image(s) left out of run "mixed"'s CAM sweep (b.png): its CAMs are [3,${H / 2},${W / 2}] and the image is ${H}x${W}: the sweep scores CAMs at the image's size, as ToCo's high_res; its mIoU is over the other 1\n`,
    );
    const mixedSweep = JSON.parse(mixed.stdout) as { images: number; miou: number[]; leftOut: unknown };
    expect(mixedSweep.images).toBe(1);
    expect(mixedSweep.leftOut).toEqual({ images: 1, examples: ['b.png'], reasons: [expect.stringContaining('its CAMs are [3,')] });
    const missing = cli(['eval', '--dataset', 'scenes', '--run', 'missing', '--cam-sweep', '--json']);
    expect(missing.stderr).toBe(
      'warning: 1 annotated image(s) left out of run "missing"\'s CAM sweep (b.png): no CAM stored; its mIoU is over the other 1\n',
    );
    // 0-255 maps: the fix is named.
    expect(cli(['eval', '--dataset', 'scenes', '--run', 'u8', '--cam-sweep']).stderr).toBe(
      `error: run "u8": its CAMs are uint8 [3,${H},${W}]: the sweep compares float32 scores with thresholds 0.00-0.95; import them as float32 in [0, 1] (for 0-255 maps, cam.astype(np.float32) / 255)\n`,
    );
    // Both score image a alone, the same way.
    expect(JSON.parse(missing.stdout).miou).toEqual(mixedSweep.miou);
  });
});
