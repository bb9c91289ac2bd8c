import { describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { ImportResult, VOC_CLASSES } from '../../../src/shared';
import { finishJob } from '../../helpers/engine';
import { makeVocRoot, vocPalette } from './generate';
import { imagesByName, sampleLabels, setup, storeSnapshot } from './store';
import { engineInternals } from '../../../src/main/engine/internals';

describe('import voc', () => {
  it('reads palette indices from SegmentationClass, keeps 255 as an ignore region and records splits', async () => {
    const { root, engine, client } = setup();
    const voc = await makeVocRoot(join(root, 'VOC2012'), { n: 4 });
    const done = await finishJob(client, () => client.call('datasets.importVoc', { root: voc.root }));
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result).toMatchObject({ name: 'VOC2012', images: 4, annotated: 4, skipped: [] });
    const [summary] = await client.call('datasets.list', {});
    expect(summary).toMatchObject({ format: 'voc', task: 'semantic', classCount: 21 });
    const classes = engineInternals(engine).repos.datasets.classes(result.datasetId);
    expect(classes.map((c) => c.name)).toEqual([...VOC_CLASSES]);
    expect(classes[15]?.color).toEqual([192, 128, 128]); // person, VOC colour map
    const images = imagesByName(engine, result.datasetId);
    for (const id of voc.ids) {
      const image = images.get(`${id}.jpg`);
      expect(image?.split).toBe(voc.splits.get(id));
      const labels = sampleLabels(engine, image?.sampleIds[0] ?? 0, 36, 48);
      expect(Buffer.from(labels).equals(Buffer.from(voc.labels.get(id) as Uint8Array))).toBe(true);
    }
    const ignoreRegions = engineInternals(engine).db.prepare('SELECT COUNT(*) AS n FROM annotations WHERE class_idx = 255').get() as {
      n: number;
    };
    expect(ignoreRegions.n).toBe(4);
  });

  it('imports one split, and grey SegmentationClassAug masks', async () => {
    const { root, engine, client } = setup();
    const voc = await makeVocRoot(join(root, 'aug'), { n: 5, aug: true });
    const done = await finishJob(client, () => client.call('datasets.importVoc', { root: voc.root, split: 'val', name: 'val-only' }));
    const result = ImportResult.parse(done.result);
    expect(result.images).toBe(2);
    const images = imagesByName(engine, result.datasetId);
    expect([...images.keys()].sort()).toEqual(['2007_000001.jpg', '2007_000003.jpg']);
    const image = images.get('2007_000003.jpg');
    expect(
      Buffer.from(sampleLabels(engine, image?.sampleIds[0] ?? 0, 36, 48)).equals(Buffer.from(voc.labels.get('2007_000003') as Uint8Array)),
    ).toBe(true);
  });

  describe('bad input leaves the store exactly as it was', () => {
    async function expectFailure(
      prepare: (root: string) => Promise<{ root: string; split?: string }>,
      code: string,
      message: RegExp,
    ): Promise<void> {
      const { root, engine, client } = setup();
      const existing = await makeVocRoot(join(root, 'existing'), { n: 2 });
      await finishJob(client, () => client.call('datasets.importVoc', { root: existing.root }));
      const before = storeSnapshot(engine);
      const input = await prepare(root);
      const done = await finishJob(client, () => client.call('datasets.importVoc', { root: input.root, split: input.split, name: 'new' }));
      expect(done.status).toBe('failed');
      expect(done.error?.code).toBe(code);
      expect(done.error?.message).toMatch(message);
      expect(storeSnapshot(engine)).toEqual(before);
      expect(before.integrity).toBe('ok');
    }

    it('a folder that is not VOC', async () => {
      await expectFailure(async (root) => ({ root }), 'INVALID_INPUT', /not a PASCAL VOC folder: no JPEGImages\/ folder/);
    });

    it('a mask whose size differs from its image', async () => {
      await expectFailure(
        async (root) => {
          const voc = await makeVocRoot(join(root, 'v'), { n: 3 });
          writeFileSync(
            join(voc.root, 'SegmentationClass', '2007_000002.png'),
            encode({ width: 10, height: 10, data: new Uint8Array(100), channels: 1, depth: 8, palette: vocPalette() }),
          );
          return { root: voc.root };
        },
        'INVALID_INPUT',
        /SegmentationClass\/2007_000002\.png: mask is 10x10 but its image 2007_000002\.jpg is 48x36/,
      );
    });

    it('a label value outside the 21 classes', async () => {
      await expectFailure(
        async (root) => {
          const voc = await makeVocRoot(join(root, 'v'), { n: 3 });
          const l = new Uint8Array(48 * 36);
          l[5] = 37;
          writeFileSync(
            join(voc.root, 'SegmentationClass', '2007_000001.png'),
            encode({ width: 48, height: 36, data: l, channels: 1, depth: 8, palette: vocPalette() }),
          );
          return { root: voc.root };
        },
        'INVALID_INPUT',
        /2007_000001\.png: label value 37 \(1 pixels\) is not a VOC class/,
      );
    });

    it('a listed id without its image', async () => {
      await expectFailure(
        async (root) => {
          const voc = await makeVocRoot(join(root, 'v'), { n: 3 });
          rmSync(join(voc.root, 'JPEGImages', '2007_000002.jpg'));
          return { root: voc.root };
        },
        'NOT_FOUND',
        /train\.txt: 2007_000002: no image 2007_000002\.jpg/,
      );
    });

    it('a split that has no list', async () => {
      await expectFailure(
        async (root) => ({ root: (await makeVocRoot(join(root, 'v'), { n: 2 })).root, split: 'test' }),
        'NOT_FOUND',
        /split "test" not found \(available: train, trainval, val\)/,
      );
    });

    it('a corrupt mask PNG', async () => {
      await expectFailure(
        async (root) => {
          const voc = await makeVocRoot(join(root, 'v'), { n: 2 });
          writeFileSync(join(voc.root, 'SegmentationClass', '2007_000000.png'), 'not a png');
          return { root: voc.root };
        },
        'CORRUPT_FILE',
        /2007_000000\.png: corrupt PNG/,
      );
    });
  });
});
