import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { ImportResult } from '../../../src/shared';
import { PredictionsImportResult } from '../../../src/shared/api/methods/datasets';
import { encodeMask } from '../../../src/main/engine/masks';
import { finishJob } from '../../helpers/engine';
import { rectLabels, writePaletteMask, writeSolidImage } from '../../helpers/fixtures';
import { npyBytes } from '../../unit/engine/datasets/npyBytes';
import { parseNpy } from '../../../src/main/engine/tensors/npy';
import { makeCocoDataset, makeVocRoot, vocPalette } from './generate';
import { imagesByName, sampleLabels, setup, storeSnapshot } from './store';

/**
 * What importers check in the CONTENT of their files (QA probe A): values a float32 heatmap cannot
 * hold, ids with dots, ambiguous or malformed ReasonSeg folders, duplicate prediction files,
 * strings for ids, and messages a person can act on. Every refusal is one line naming the file
 * and the value, with the store exactly as before.
 */
const W = 48;
const H = 36;

type Refusal = { code: string; message: RegExp };

/** A 3-image VOC dataset (48x36, 21 classes), then `format` predictions written by `make`: refused, nothing written. */
async function expectPredictionsRefused(make: (dir: string) => void, format: 'npy' | 'toco-cam', want: Refusal): Promise<void> {
  const s = setup();
  const voc = await makeVocRoot(join(s.root, 'voc'), { n: 3 });
  const imported = await finishJob(s.client, () => s.client.call('datasets.importVoc', { root: voc.root, name: 'voc' }));
  const { datasetId } = ImportResult.parse(imported.result);
  const before = storeSnapshot(s.engine);
  const dir = join(s.root, 'preds');
  mkdirSync(dir);
  make(dir);
  const done = await finishJob(s.client, () => s.client.call('runs.importPredictions', { datasetId, run: 'bad', format, path: dir }));
  expect(done.status).toBe('failed');
  expect(done.error?.code).toBe(want.code);
  expect(done.error?.message).toMatch(want.message);
  expect(done.error?.message).not.toContain('\n');
  expect(storeSnapshot(s.engine)).toEqual(before);
  expect(before.integrity).toBe('ok');
}

const f8 = (shape: number[], fill: number, at: Array<[number, number]> = []): Uint8Array => {
  const v = new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(fill);
  for (const [i, x] of at) v[i] = x;
  return npyBytes('<f8', shape, v);
};
const keys = (k: bigint[]): Uint8Array => npyBytes('<i8', [k.length], new BigInt64Array(k));

describe('float64 predictions beyond the float32 range are refused, not stored as ±Infinity', () => {
  it('.npy: every value 1e300 (one -1e300), and one 1e300 among ordinary values', async () => {
    await expectPredictionsRefused((dir) => writeFileSync(join(dir, '2007_000000.npy'), f8([H, W], 1e300, [[0, -1e300]])), 'npy', {
      code: 'INVALID_INPUT',
      message:
        /2007_000000\.npy: the array holds -1e\+300 at \[0, 0\] \(every value is\); heatmaps are stored as float32 and this is beyond its range \(±3\.4028234663852886e\+38\)$/,
    });
    await expectPredictionsRefused((dir) => writeFileSync(join(dir, '2007_000001.npy'), f8([2, 4, 4], 0.5, [[21, 1e300]])), 'npy', {
      code: 'INVALID_INPUT',
      message: /2007_000001\.npy: the array holds 1e\+300 at \[1, 1, 1\] \(1 of 32 values are beyond float32 or not finite\);/,
    });
  });

  it('toco-cam: a high_res value of 1e39 in a CAM dict', async () => {
    await expectPredictionsRefused(
      (dir) =>
        writeFileSync(
          join(dir, '2007_000000.npz'),
          zipSync({ 'keys.npy': keys([0n, 1n]), 'high_res.npy': f8([2, H, W], 0.5, [[H * W + 3, 1e39]]) }),
        ),
      'toco-cam',
      {
        code: 'INVALID_INPUT',
        message: /2007_000000\.npz: high_res holds 1e\+39 at \[1, 0, 3\] \(1 of 3456 values are beyond float32 or not finite\);/,
      },
    );
  });

  it('toco-cam: a key of 1e300 (or 254) on a dataset without classes is refused, not stored as class 1e300 + 1', async () => {
    const s = setup();
    const dir = join(s.root, 'images');
    mkdirSync(dir);
    await writeSolidImage(join(dir, 'a.png'), W, H, [90, 90, 90]);
    const imported = await finishJob(s.client, () => s.client.call('datasets.importFolder', { dir }));
    const { datasetId } = ImportResult.parse(imported.result);
    for (const [k, shown] of [
      [1e300, '1e\\+300'],
      [254, '254'],
    ] as const) {
      const before = storeSnapshot(s.engine);
      const preds = join(s.root, `preds-${shown.length}`);
      mkdirSync(preds);
      writeFileSync(
        join(preds, 'a.npz'),
        zipSync({ 'keys.npy': npyBytes('<f8', [1], new Float64Array([k])), 'high_res.npy': f8([1, H, W], 0.5) }),
      );
      const done = await finishJob(s.client, () =>
        s.client.call('runs.importPredictions', { datasetId, run: 'cams', format: 'toco-cam', path: preds }),
      );
      expect(done.error?.code).toBe('INVALID_INPUT');
      expect(done.error?.message).toMatch(
        new RegExp(`a\\.npz: key ${shown} is beyond the class indices a dataset can hold \\(keys 0\\.\\.253 are classes 1\\.\\.254\\)$`),
      );
      expect(storeSnapshot(s.engine)).toEqual(before);
    }
  });

  it('float64 values that round to the largest float32 still import', async () => {
    const s = setup();
    const voc = await makeVocRoot(join(s.root, 'voc'), { n: 1 });
    const { datasetId } = ImportResult.parse(
      (await finishJob(s.client, () => s.client.call('datasets.importVoc', { root: voc.root, name: 'voc' }))).result,
    );
    const dir = join(s.root, 'preds');
    mkdirSync(dir);
    writeFileSync(
      join(dir, '2007_000000.npy'),
      f8([H, W], 0.25, [
        [5, 3.4028235e38],
        [6, -3.4028235e38],
      ]),
    );
    const done = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'edge', format: 'npy', path: dir }),
    );
    expect(done.error).toBeNull();
    expect(PredictionsImportResult.parse(done.result).images).toBe(1);
  });
});

describe('integer predictions float32 cannot hold exactly are refused, not stored rounded', () => {
  const i8 = (shape: number[], at: Array<[number, bigint]>): Uint8Array => {
    const v = new BigInt64Array(shape.reduce((a, b) => a * b, 1));
    for (const [i, x] of at) v[i] = x;
    return npyBytes('<i8', shape, v);
  };
  // The whole message after the folder: the file's name, then the rest exactly.
  const exactly = (message: string): RegExp => new RegExp(`/${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

  it('.npy int64: 2^24 + 1, and 2^62 + 1 (past 2^53, where a float64 would round it too)', async () => {
    await expectPredictionsRefused((dir) => writeFileSync(join(dir, '2007_000000.npy'), i8([H, W], [[1, 16777217n]])), 'npy', {
      code: 'INVALID_INPUT',
      message: exactly(
        '2007_000000.npy: the array holds 16777217 at [0, 1] (1 of 1728 values are integers float32 cannot hold); heatmaps are stored as float32, which cannot hold this int64 value exactly (it would be 16777216): save the array as float32 (a.astype(np.float32)) to accept the rounding',
      ),
    });
    await expectPredictionsRefused(
      (dir) =>
        writeFileSync(
          join(dir, '2007_000001.npy'),
          i8(
            [2, 4, 4],
            [
              [21, 2n ** 62n + 1n],
              [22, 2n ** 62n],
              [30, 16777219n],
            ],
          ),
        ),
      'npy',
      {
        code: 'INVALID_INPUT',
        message: exactly(
          '2007_000001.npy: the array holds 4611686018427387905 at [1, 1, 1] (2 of 32 values are integers float32 cannot hold); heatmaps are stored as float32, which cannot hold this int64 value exactly (it would be 4611686018427387904): save the array as float32 (a.astype(np.float32)) to accept the rounding',
        ),
      },
    );
  });

  it('.npy int32 and a toco-cam int64 high_res are checked the same way', async () => {
    const i4 = new Int32Array(H * W).fill(-16777217);
    await expectPredictionsRefused((dir) => writeFileSync(join(dir, '2007_000000.npy'), npyBytes('<i4', [H, W], i4)), 'npy', {
      code: 'INVALID_INPUT',
      message: exactly(
        '2007_000000.npy: the array holds -16777217 at [0, 0] (every value is); heatmaps are stored as float32, which cannot hold this int32 value exactly (it would be -16777216): save the array as float32 (a.astype(np.float32)) to accept the rounding',
      ),
    });
    await expectPredictionsRefused(
      (dir) =>
        writeFileSync(
          join(dir, '2007_000000.npz'),
          zipSync({ 'keys.npy': keys([0n, 1n]), 'high_res.npy': i8([2, H, W], [[H * W + 3, 123456789n]]) }),
        ),
      'toco-cam',
      {
        code: 'INVALID_INPUT',
        message: exactly(
          '2007_000000.npz: high_res holds 123456789 at [1, 0, 3] (1 of 3456 values are integers float32 cannot hold); heatmaps are stored as float32, which cannot hold this int64 value exactly (it would be 123456792): save the array as float32 (a.astype(np.float32)) to accept the rounding',
        ),
      },
    );
  });

  it('integers float32 holds exactly (2^24, 2^62, negatives) import unchanged; float64 scores are rounded to float32', async () => {
    const s = setup();
    const voc = await makeVocRoot(join(s.root, 'voc'), { n: 3 });
    const { datasetId } = ImportResult.parse(
      (await finishJob(s.client, () => s.client.call('datasets.importVoc', { root: voc.root, name: 'voc' }))).result,
    );
    const dir = join(s.root, 'preds');
    mkdirSync(dir);
    const ints = [0n, -5n, 16777216n, 2n ** 62n, -(2n ** 40n), 16777218n];
    writeFileSync(join(dir, '2007_000000.npy'), npyBytes('<i8', [2, 3], BigInt64Array.from(ints)));
    const scores = Float64Array.from([0.1, 1 / 3, 16777217, -0.7, 2 ** -30, 0.5]);
    writeFileSync(join(dir, '2007_000001.npy'), npyBytes('<f8', [2, 3], scores));
    const done = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId, run: 'ints', format: 'npy', path: dir }),
    );
    expect(done.error).toBeNull();
    const { runId } = PredictionsImportResult.parse(done.result);
    const out = join(s.root, 'out');
    await finishJob(s.client, () => s.client.call('datasets.export', { datasetId, runId, format: 'npy', outDir: out, raw: true }));
    const back = (name: string): number[] => Array.from(parseNpy(readFileSync(join(out, name)), name).data);
    expect(back('2007_000000.npy').map((v) => BigInt(v))).toEqual(ints);
    expect(back('2007_000001.npy')).toEqual(Array.from(Float32Array.from(scores)));
  });
});

describe('two prediction files for one image, differing only in the extension case', () => {
  it('.npy and .NPY are refused, naming both', async () => {
    await expectPredictionsRefused(
      (dir) => {
        writeFileSync(join(dir, '2007_000001.npy'), npyBytes('<f4', [H, W], new Float32Array(H * W).fill(1)));
        writeFileSync(join(dir, '2007_000001.NPY'), npyBytes('<f4', [H, W], new Float32Array(H * W).fill(2)));
      },
      'npy',
      {
        code: 'INVALID_INPUT',
        message: /preds\/2007_000001\.npy: 2007_000001\.NPY and 2007_000001\.npy are both predictions for image 2007_000001\.jpg$/,
      },
    );
  });

  it('.npz and .NPZ are refused, naming both', async () => {
    const dict = (): Uint8Array => zipSync({ 'keys.npy': keys([0n]), 'high_res.npy': npyBytes('<f4', [1, H, W], new Float32Array(H * W)) });
    await expectPredictionsRefused(
      (dir) => {
        writeFileSync(join(dir, '2007_000002.NPZ'), dict());
        writeFileSync(join(dir, '2007_000002.npz'), dict());
      },
      'toco-cam',
      {
        code: 'INVALID_INPUT',
        message: /preds\/2007_000002\.npz: 2007_000002\.NPZ and 2007_000002\.npz are both predictions for image 2007_000002\.jpg$/,
      },
    );
  });
});

describe('messages', () => {
  it('an .npz that starts like a zip but is garbage: not a readable zip', async () => {
    await expectPredictionsRefused(
      (dir) => writeFileSync(join(dir, '2007_000000.npz'), Buffer.from('PK\x03\x04garbage'.repeat(10), 'latin1')),
      'toco-cam',
      {
        code: 'CORRUPT_FILE',
        message: /2007_000000\.npz: not a readable \.npz \(zip\) archive: no entry in it can be read \(damaged or truncated\)$/,
      },
    );
  });

  it('RefCOCO refs that are an empty list, bare or as {"refs": []}: the list is empty', async () => {
    const s = setup();
    const coco = await makeCocoDataset(join(s.root, 'coco'), { n: 1 });
    const refs = join(s.root, 'refs.json');
    for (const text of ['[]', '{"refs": []}']) {
      writeFileSync(refs, text);
      const before = storeSnapshot(s.engine);
      const done = await finishJob(s.client, () =>
        s.client.call('datasets.importRefCoco', { refs, instances: coco.annotations, imagesDir: coco.images }),
      );
      expect(done.error?.code).toBe('INVALID_INPUT');
      expect(done.error?.message).toMatch(/refs\.json: the list of refs is empty$/);
      expect(storeSnapshot(s.engine)).toEqual(before);
    }
  });

  it('RefCOCO refs that are not a list say what the file holds instead; refs without a split import with no split', async () => {
    const s = setup();
    const coco = await makeCocoDataset(join(s.root, 'coco'), { n: 1 });
    const refs = join(s.root, 'refs.json');
    const importRefs = (split?: string) =>
      finishJob(s.client, () =>
        s.client.call('datasets.importRefCoco', {
          refs,
          instances: coco.annotations,
          imagesDir: coco.images,
          ...(split === undefined ? {} : { split }),
        }),
      );
    for (const [text, found] of [
      ['"val"', 'a single JSON value (text, a number, ...), not a list'],
      ['{"val": [{"ref_id": 1}]}', 'an object without a "refs" key'],
    ] as const) {
      writeFileSync(refs, text);
      const done = await importRefs();
      expect(done.error).toMatchObject({
        code: 'INVALID_INPUT',
        message: `refs.json: expected a list of refs or {"refs": [...]}, found ${found}`,
      });
    }
    writeFileSync(refs, JSON.stringify([{ ref_id: 1, ann_id: 100, image_id: 500, sentences: [{ sent: 'the car' }] }]));
    const splitAsked = await importRefs('val');
    expect(splitAsked.error?.message).toBe('refs.json: no refs in split "val" (the refs have no split)');
    const done = await importRefs();
    expect(done.error).toBeNull();
    expect(ImportResult.parse(done.result)).toMatchObject({ images: 1, annotated: 1 });
  });

  it('a truncated JPEG in a folder import is skipped as a truncated or damaged JPEG', async () => {
    const s = setup();
    const dir = join(s.root, 'images');
    mkdirSync(dir);
    await writeSolidImage(join(dir, 'ok.png'), 20, 10, [1, 2, 3]);
    await writeSolidImage(join(s.root, 'whole.jpg'), 200, 150, [10, 200, 30]);
    const jpeg = readFileSync(join(s.root, 'whole.jpg'));
    writeFileSync(join(dir, 'cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    const done = await finishJob(s.client, () => s.client.call('datasets.importFolder', { dir }));
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result.images).toBe(1);
    expect(result.skipped).toEqual([
      { file: 'cut.jpg', reason: expect.stringMatching(/^unreadable image: truncated or damaged JPEG \(no end marker[;)]/) as unknown },
    ]);
  });
});

describe('coco-results image ids', () => {
  it.each([
    ['"500"', '500', /results\.json: result 0: "image_id" is "500", expected an integer$/],
    ['[500]', [500], /results\.json: result 0: "image_id" is \[500\], expected an integer$/],
  ])('image_id %s is refused like the instances importer does', async (_, imageId, message) => {
    const s = setup();
    const coco = await makeCocoDataset(join(s.root, 'coco'), { n: 1 });
    const ds = ImportResult.parse(
      (await finishJob(s.client, () => s.client.call('datasets.importCoco', { annotations: coco.annotations, imagesDir: coco.images })))
        .result,
    );
    const m = new Uint8Array(30 * 40);
    m.fill(1, 0, 100);
    const file = join(s.root, 'results.json');
    writeFileSync(file, JSON.stringify([{ image_id: imageId, category_id: 3, segmentation: encodeMask(m, 30, 40), score: 0.9 }]));
    const before = storeSnapshot(s.engine);
    const done = await finishJob(s.client, () =>
      s.client.call('runs.importPredictions', { datasetId: ds.datasetId, run: 'r', format: 'coco-results', path: file }),
    );
    expect(done.error?.code).toBe('INVALID_INPUT');
    expect(done.error?.message).toMatch(message);
    expect(storeSnapshot(s.engine)).toEqual(before);
  });
});

describe('VOC ids with dots', () => {
  it('"frame.001" is JPEGImages/frame.001.jpg, not frame.jpg; SBD-style path lines still read', async () => {
    const { root, engine, client } = setup();
    const voc = join(root, 'voc_dots');
    for (const d of ['JPEGImages', 'SegmentationClass', 'ImageSets/Segmentation']) mkdirSync(join(voc, d), { recursive: true });
    const w = 30;
    const h = 20;
    const label = new Map<string, Uint8Array>();
    for (const [i, stem] of ['frame', 'frame.001', 'frame.002'].entries()) {
      await writeSolidImage(join(voc, 'JPEGImages', `${stem}.jpg`), w, h, [40 * i, 50, 60]);
      const l = rectLabels(w, h, { x: 2 + 5 * i, y: 2, w: 4, h: 4 }, i + 1);
      label.set(stem, l);
      writePaletteMask(join(voc, 'SegmentationClass', `${stem}.png`), w, h, l, vocPalette());
    }
    writeFileSync(
      join(voc, 'ImageSets', 'Segmentation', 'train.txt'),
      'frame.001\n/JPEGImages/frame.002.jpg /SegmentationClass/frame.002.png\n',
    );
    const done = await finishJob(client, () => client.call('datasets.importVoc', { root: voc }));
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result).toMatchObject({ images: 2, annotated: 2 });
    const images = imagesByName(engine, result.datasetId);
    expect([...images.keys()].sort()).toEqual(['frame.001.jpg', 'frame.002.jpg']);
    for (const stem of ['frame.001', 'frame.002']) {
      const image = images.get(`${stem}.jpg`);
      expect(image?.externalId).toBe(stem);
      expect(Buffer.from(sampleLabels(engine, image?.sampleIds[0] ?? 0, h, w)).equals(Buffer.from(label.get(stem) as Uint8Array))).toBe(
        true,
      );
    }
  });
});

describe('ReasonSeg content', () => {
  const tri = {
    label: 'target',
    points: [
      [5, 5],
      [30, 5],
      [5, 30],
    ],
  };

  async function folder(root: string, images: string[], json: string | Buffer): Promise<string> {
    const dir = join(root, 'rs');
    mkdirSync(dir, { recursive: true });
    for (const f of images) await writeSolidImage(join(dir, f), 60, 40, [90, 90, 90]);
    writeFileSync(join(dir, 'a.json'), json);
    return dir;
  }

  async function expectReasonSegRefused(images: string[], json: string, want: Refusal): Promise<void> {
    const { root, engine, client } = setup();
    const dir = await folder(root, images, json);
    const before = storeSnapshot(engine);
    const done = await finishJob(client, () => client.call('datasets.importReasonSeg', { dir }));
    expect(done.error?.code).toBe(want.code);
    expect(done.error?.message).toMatch(want.message);
    expect(done.error?.message).not.toContain('\n');
    expect(storeSnapshot(engine)).toEqual(before);
  }

  it('a.jpg and a.png beside a.json: refused, naming both', async () => {
    await expectReasonSegRefused(['a.jpg', 'a.png'], JSON.stringify({ text: ['q'], shapes: [tri] }), {
      code: 'INVALID_INPUT',
      message:
        /rs\/a\.json: this annotation would belong to 2 images with the stem "a" \(a\.jpg, a\.png\); rename them so each annotation has one image$/,
    });
  });

  it('a null point gets the message any malformed point gets', async () => {
    const shape = (points: unknown[]): string => JSON.stringify({ text: ['q'], shapes: [{ label: 't', points }] });
    await expectReasonSegRefused(['a.jpg'], shape([null, [1, 2], [3, 4]]), {
      code: 'INVALID_INPUT',
      message: /rs\/a\.json: shape 0: point 0 is not a finite \[x, y\] pair$/,
    });
    await expectReasonSegRefused(['a.jpg'], shape([[1, 2], [3, 4], 5]), {
      code: 'INVALID_INPUT',
      message: /rs\/a\.json: shape 0: point 2 is not a finite \[x, y\] pair$/,
    });
  });

  it('a JSON file with a UTF-8 byte order mark imports, as a COCO file does', async () => {
    const { root, engine, client } = setup();
    const json = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ text: ['the thing'], shapes: [tri] }))]);
    const dir = await folder(root, ['a.jpg'], json);
    const done = await finishJob(client, () => client.call('datasets.importReasonSeg', { dir }));
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result).toMatchObject({ images: 1, annotated: 1 });
    const image = imagesByName(engine, result.datasetId).get('a.jpg');
    const labels = sampleLabels(engine, image?.sampleIds[0] ?? 0, 40, 60);
    expect(labels[10 * 60 + 10]).toBe(1);
    expect(labels[35 * 60 + 55]).toBe(0);
  });
});
