import { describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportResult } from '../../../src/shared';
import { finishJob } from '../../helpers/engine';
import { makeFolderDataset, writeSolidImage } from '../../helpers/fixtures';
import { makeCocoDataset, type CocoDoc } from './generate';
import { png30000 } from './hugePng';
import { setup, storeSnapshot } from './store';
import { engineInternals } from '../../../src/main/engine/internals';

/** Hostile dataset input (issue 10 §3): refused in one line or skipped and listed; the store as before on refusal. */
describe('hostile COCO input', () => {
  async function expectRefused(edit: (doc: CocoDoc) => void, message: RegExp): Promise<void> {
    const s = setup();
    const first = await makeCocoDataset(join(s.root, 'first'), { n: 1 });
    await finishJob(s.client, () => s.client.call('datasets.importCoco', { annotations: first.annotations, imagesDir: first.images }));
    const before = storeSnapshot(s.engine);
    const coco = await makeCocoDataset(join(s.root, 'bad'), { n: 3 });
    const doc = JSON.parse(readFileSync(coco.annotations, 'utf8')) as CocoDoc;
    edit(doc);
    writeFileSync(coco.annotations, JSON.stringify(doc).replace('"__1e30__"', '1e30'));
    const done = await finishJob(s.client, () =>
      s.client.call('datasets.importCoco', { annotations: coco.annotations, imagesDir: coco.images, name: 'bad' }),
    );
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('INVALID_INPUT');
    expect(done.error?.message).toMatch(message);
    expect(storeSnapshot(s.engine)).toEqual(before);
    expect(before.integrity).toBe('ok');
  }

  it('a file_name that leads out of the images folder, or is absolute', async () => {
    await expectRefused(
      (doc) => ((doc.images[1] as { file_name: string }).file_name = '../first/images/000000001000.png'),
      /^instances\.json: image 503: file_name "\.\.\/first\/images\/000000001000\.png" leads out of the images folder \("\.\."\)$/,
    );
    await expectRefused(
      (doc) => ((doc.images[0] as { file_name: string }).file_name = '/etc/hostname'),
      /^instances\.json: image 500: file_name "\/etc\/hostname" is an absolute path$/,
    );
  });

  it('a file_name with a lone UTF-16 surrogate (Python json.dump of a surrogate-escaped name)', async () => {
    // Probe AA F4: "\udcff.png" was accepted (the path resolved to the U+FFFD file), stored as bytes
    // that read back as three U+FFFD, and its image then answered 404.
    await expectRefused(
      (doc) => ((doc.images[1] as { file_name: string }).file_name = '\udcff.png'),
      /^instances\.json: image 503: file_name ".*" holds a lone UTF-16 surrogate \(\\udcff\), not valid Unicode/,
    );
  });

  it('an image id of 1e30', async () => {
    await expectRefused(
      (doc) => ((doc.images[2] as { id: unknown }).id = '__1e30__'),
      /^instances\.json: image entry 2: image: "id" is 1e\+30, outside the exact integer range/,
    );
  });

  it('iscrowd "yes"', async () => {
    await expectRefused(
      (doc) => ((doc.annotations[2] as { iscrowd: unknown }).iscrowd = 'yes'),
      /^instances\.json: annotation entry 2: annotation 102: "iscrowd" is "yes", expected 0 or 1$/,
    );
  });

  it('category names a class may not have: too long, a line break, or the name of another category', async () => {
    type Cat = { id: number; name: string };
    await expectRefused(
      (doc) => ((doc.categories as Cat[])[0]!.name = 'x'.repeat(5_000_000)),
      /^instances\.json: category \d+: a class name has at most 100 characters \(this one has 5000000\)$/,
    );
    await expectRefused(
      (doc) => ((doc.categories as Cat[])[0]!.name = 'cat\n\\input{/etc/passwd}'),
      /^instances\.json: category \d+: a class name cannot hold control characters or line breaks$/,
    );
    await expectRefused((doc) => {
      const cats = doc.categories as Cat[];
      cats.push({ id: 77, name: ` ${cats[0]!.name}` });
    }, /^instances\.json: category 77: name "[^"]+" is also the name of category \d+$/);
  });

  it('polygons with vertices at ±1e9 import at once, clipped to the image', async () => {
    const s = setup();
    const coco = await makeCocoDataset(join(s.root, 'far'), { n: 1 });
    const doc = JSON.parse(readFileSync(coco.annotations, 'utf8')) as CocoDoc;
    (doc.annotations[2] as { segmentation: unknown }).segmentation = [[-1e9, -1e9, 1e9, -1e9, 1e9, 1e9, -1e9, 1e9]];
    writeFileSync(coco.annotations, JSON.stringify(doc));
    const done = await finishJob(s.client, () =>
      s.client.call('datasets.importCoco', { annotations: coco.annotations, imagesDir: coco.images }),
    );
    expect(done.error).toBeNull();
    const area = engineInternals(s.engine)
      .db.prepare("SELECT v.area FROM annotations a JOIN annotation_versions v ON v.annotation_id = a.id WHERE a.external_id = '102'")
      .get() as { area: number };
    expect(area.area).toBe(40 * 30);
  });
});

describe('hostile folder input', () => {
  it('a file name that is not UTF-8 and a symbolic link are skipped and listed; the rest imports', async () => {
    const s = setup();
    const data = await makeFolderDataset(s.root, 2);
    // a\xff.png: no JavaScript string names this file.
    const bad = Buffer.concat([Buffer.from(data.images + '/'), Buffer.from([0x61, 0xff, 0x2e, 0x70, 0x6e, 0x67])]);
    copyFileSync(join(data.images, 'img_000.png'), bad);
    symlinkSync(join(data.images, 'img_001.png'), join(data.images, 'linked.png'));
    // The same in the mask folder: listed with the folder it is in.
    const badMask = Buffer.concat([Buffer.from(data.masks + '/'), Buffer.from([0x62, 0xfe, 0x2e, 0x70, 0x6e, 0x67])]);
    copyFileSync(join(data.masks, 'img_000.png'), badMask);
    const done = await finishJob(s.client, () => s.client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks }));
    expect(done.error).toBeNull();
    const result = ImportResult.parse(done.result);
    expect(result.images).toBe(2);
    expect(result.skipped).toEqual(
      expect.arrayContaining([
        { file: 'a\\xff.png', reason: 'file name is not valid UTF-8; rename the file' },
        { file: 'linked.png', reason: 'symbolic link (links are not followed; copy the file in)' },
        { file: join(data.masks, 'b\\xfe.png'), reason: 'file name is not valid UTF-8; rename the file' },
      ]),
    );
    expect(engineInternals(s.engine).db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('two images with one stem (a.jpg, a.png) and a mask a.png: refused, naming both', async () => {
    const s = setup();
    const data = await makeFolderDataset(s.root, 1);
    await writeSolidImage(join(data.images, 'img_000.jpg'), 64, 48, [10, 20, 30]);
    const before = storeSnapshot(s.engine);
    const done = await finishJob(s.client, () => s.client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks }));
    expect(done.error?.code).toBe('INVALID_INPUT');
    expect(done.error?.message).toMatch(
      /img_000\.png: this mask would belong to 2 images with the stem "img_000" \(img_000\.jpg, img_000\.png\); rename them so each mask has one image$/,
    );
    expect(storeSnapshot(s.engine)).toEqual(before);
  });

  it('a 30000x30000 mask (about 110 KB) is refused from its header against its image', async () => {
    const s = setup();
    const data = await makeFolderDataset(s.root, 2);
    writeFileSync(join(data.masks, 'img_001.png'), png30000());
    const before = storeSnapshot(s.engine);
    const done = await finishJob(s.client, () => s.client.call('datasets.importFolder', { dir: data.images, masksDir: data.masks }));
    expect(done.error?.code).toBe('INVALID_INPUT');
    expect(done.error?.message).toMatch(/img_001\.png: mask is 30000x30000 but its image img_001\.png is 64x48$/);
    expect(storeSnapshot(s.engine)).toEqual(before);
    expect(before.integrity).toBe('ok');
  });

  it('a 30000x30000 VOC mask is refused the same way', async () => {
    const s = setup();
    const { makeVocRoot } = await import('./generate');
    const voc = await makeVocRoot(join(s.root, 'voc'), { n: 2 });
    writeFileSync(join(voc.root, 'SegmentationClass', '2007_000001.png'), png30000());
    const before = storeSnapshot(s.engine);
    const done = await finishJob(s.client, () => s.client.call('datasets.importVoc', { root: voc.root }));
    expect(done.error?.code).toBe('INVALID_INPUT');
    expect(done.error?.message).toMatch(/2007_000001\.png: mask is 30000x30000 but its image 2007_000001\.jpg is 48x36$/);
    expect(storeSnapshot(s.engine)).toEqual(before);
  });
});
