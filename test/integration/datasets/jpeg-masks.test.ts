/**
 * Binary masks saved as JPEG (Kvasir-SEG and other medical sets ship them): refused as they are
 * (lossy), read at --mask-threshold as Pillow reads them (`Image.open(f).convert('L') > T`; the
 * fixtures and Pillow's values: test/fixtures/jpeg-masks/make_fixtures.py).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportResult } from '../../../src/shared';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir, writeGreyMask, writeSolidImage } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';
import { readJpegMaskGrey } from '../../../src/main/engine/masks/jpegMask';

const FIXTURES = join(__dirname, '../../fixtures/jpeg-masks');
/** Pillow: size, sum of convert('L'), and the pixels above 31 and 127. */
const PIL = {
  'cju000.jpg': { width: 97, height: 71, sum: 162587, above31: 638, above127: 638 },
  'cju001.jpeg': { width: 110, height: 78, sum: 280677, above31: 1112, above127: 1101 },
} as const;

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function kvasirLike() {
  const t = tempDir();
  const { engine, client } = openTestEngine(join(t.dir, 'ws'));
  cleanups.push(t.cleanup, () => engine.close());
  const images = join(t.dir, 'images');
  const masks = join(t.dir, 'masks');
  mkdirSync(images);
  mkdirSync(masks);
  for (const [file, p] of Object.entries(PIL)) {
    await writeSolidImage(join(images, `${file.split('.')[0]}.jpg`), p.width, p.height, [150, 90, 80]);
    copyFileSync(join(FIXTURES, file), join(masks, file));
  }
  const importFolder = (input: Record<string, unknown>) =>
    finishJob(client, () => client.call('datasets.importFolder', { dir: images, masksDir: masks, ...input } as { dir: string }));
  const areas = (datasetId: number): Record<string, number> =>
    Object.fromEntries(
      (
        engineInternals(engine)
          .db.prepare(
            `SELECT i.file_name, v.area FROM annotations a JOIN annotation_versions v ON v.annotation_id = a.id AND v.version = a.current_version
             JOIN samples s ON s.id = a.sample_id JOIN images i ON i.id = s.image_id WHERE i.dataset_id = ? AND a.class_idx = 1`,
          )
          .raw()
          .all(datasetId) as Array<[string, number]>
      ).map(([file, area]) => [file, area]),
    );
  return { root: t.dir, client, images, masks, importFolder, areas };
}

describe('JPEG masks', () => {
  it('decode to the grey values Pillow gives (RGB and grey JPEGs)', async () => {
    for (const [file, p] of Object.entries(PIL)) {
      const grey = await readJpegMaskGrey(readFileSync(join(FIXTURES, file)), file, () => {});
      expect([grey.width, grey.height]).toEqual([p.width, p.height]);
      expect(grey.data.reduce((a, v) => a + v, 0)).toBe(p.sum);
      expect(grey.data.filter((v) => v > 31).length).toBe(p.above31);
      expect(grey.data.filter((v) => v > 127).length).toBe(p.above127);
    }
  });

  it("keep the file's own values when it carries a colour profile (rocket.jpg, an ICC-tagged photo), as Pillow does", async () => {
    // Pillow, which does not apply the profile: sum of convert('L') and pixels above 31 and 127.
    const grey = await readJpegMaskGrey(readFileSync(join(__dirname, '../../../resources/photos/rocket.jpg')), 'rocket.jpg', () => {});
    expect([grey.width, grey.height]).toEqual([640, 427]);
    expect(grey.data.reduce((a, v) => a + v, 0)).toBe(16662617);
    expect(grey.data.filter((v) => v > 31).length).toBe(245890);
    expect(grey.data.filter((v) => v > 127).length).toBe(9085);
  });

  it('are refused as they are, naming --mask-threshold; at a threshold the object is what Pillow finds above it', async () => {
    const k = await kvasirLike();
    const plain = await k.importFolder({ name: 'plain' });
    expect(plain.error?.message).toMatch(
      /no mask PNG matches any image name .*2 non-PNG file\(s\) named after images \(cju000\.jpg, cju001\.jpeg\): masks must be PNG \(lossless\); binary masks saved as JPEG are read with --mask-threshold T \(grey value > T is the object\)$/,
    );
    for (const [t, key] of [
      [127, 'above127'],
      [31, 'above31'],
    ] as const) {
      const done = await k.importFolder({ name: `kvasir-${t}`, maskThreshold: t });
      expect(done.error).toBeNull();
      const result = ImportResult.parse(done.result);
      expect(result).toMatchObject({ images: 2, annotated: 2 });
      expect(k.areas(result.datasetId)).toEqual({ 'cju000.jpg': PIL['cju000.jpg'][key], 'cju001.jpg': PIL['cju001.jpeg'][key] });
      expect((await k.client.call('classes.list', { datasetId: result.datasetId })).map((c) => c.name)).toEqual([
        'background',
        'foreground',
      ]);
    }
  });

  it('a PNG and a JPEG mask for one image are refused at a threshold; a JPEG of the wrong size names both sizes', async () => {
    const k = await kvasirLike();
    writeGreyMask(join(k.masks, 'cju000.png'), 97, 71, new Uint8Array(97 * 71));
    const two = await k.importFolder({ maskThreshold: 127 });
    expect(two.error?.message).toMatch(/two masks for the image stem "cju000" \(cju000\.(jpg|png), cju000\.(jpg|png)\); keep one$/);
    const k2 = await kvasirLike();
    copyFileSync(join(FIXTURES, 'cju001.jpeg'), join(k2.masks, 'cju000.jpg'));
    const wrong = await k2.importFolder({ maskThreshold: 127 });
    expect(wrong.error?.message).toMatch(/cju000\.jpg: mask is 110x78 but its image cju000\.jpg is 97x71/);
  });
});
