import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tessera } from '../../helpers/cli';
import { tempDir, writeGreyMask } from '../../helpers/fixtures';
import { makeCocoDataset, makeVocRoot } from './generate';
import Database from 'better-sqlite3';
import { scoreInputVersions } from '../../../src/main/engine/store/scoreInputs';
import { decodeScoreList, snapshotVersion } from '../../../src/main/engine/store/scoreSnapshots';

let root: string;
let cleanup: () => void;
const run = (args: string[]) => tessera(['--workspace', join(root, 'ws'), ...args]);

beforeAll(() => {
  const t = tempDir();
  root = t.dir;
  cleanup = t.cleanup;
});
afterAll(() => cleanup());

describe('tessera import / export (the built CLI)', () => {
  it('imports VOC and COCO, imports predictions, exports them, with exit 0 and one summary line each', async () => {
    const voc = await makeVocRoot(join(root, 'VOC2012'), { n: 3 });
    const coco = await makeCocoDataset(join(root, 'coco'), { n: 2 });
    expect(run(['init']).code).toBe(0);
    const v = run(['import', 'voc', voc.root, '--split', 'train', '--name', 'voc-train']);
    expect(v).toMatchObject({ code: 0, stderr: '' });
    expect(v.stdout).toBe('imported 2 images (2 with masks) as dataset "voc-train" (id 1)\n');
    const c = run(['import', 'coco', coco.annotations, '--images', coco.images, '--json']);
    expect(JSON.parse(c.stdout)).toMatchObject({ name: 'instances', images: 2, annotated: 2 });

    const preds = join(root, 'preds');
    mkdirSync(preds);
    writeGreyMask(join(preds, '2007_000000.png'), 48, 36, new Uint8Array(48 * 36).fill(15));
    const p = run(['import', 'predictions', preds, '--dataset', 'voc-train', '--run', 'flat', '--format', 'png']);
    expect(p.stdout).toBe('imported run "flat" (id 1): 1 regions on 1 images\n');
    // --eval scores the new run in the same process: the same object `tessera eval --json` prints.
    const pe = run(['import', 'predictions', preds, '--dataset', 'voc-train', '--run', 'flat2', '--format', 'png', '--eval', '--json']);
    // voc-train has two images and the folder one file: the other is scored as all background, said once.
    expect(pe).toMatchObject({
      code: 0,
      stderr: `warning: 1 of 2 images of dataset "voc-train" have no prediction file in ${preds} (2007_000002.jpg): run "flat2" scores them as all background\n`,
    });
    const both = JSON.parse(pe.stdout) as { import: { name: string; regions: number; scored: number }; eval: { run: string } };
    expect(both.import).toMatchObject({ name: 'flat2', regions: 1, scored: 1 });
    // The command also kept the run's per-image score list, at the version of its inputs, for the
    // app's first score sort (store/scoreSnapshots.ts).
    const ws = new Database(join(root, 'ws', 'tessera.db'), { readonly: true });
    try {
      const kept = ws.prepare('SELECT version, payload FROM score_snapshots WHERE run_id = 2').get() as {
        version: string;
        payload: Buffer;
      };
      expect(kept.version).toBe(snapshotVersion(scoreInputVersions(ws)!.run(2)));
      expect(decodeScoreList(kept.payload)).toMatchObject({ fileNames: ['2007_000000.jpg', '2007_000002.jpg'] });
    } finally {
      ws.close();
    }
    const evaluated = run(['eval', '--dataset', 'voc-train', '--run', 'flat2', '--json']);
    // eval says it again (the run may have been imported elsewhere: the app, a colleague's shell).
    expect(evaluated.stderr).toBe(
      'warning: run "flat2" was imported without a prediction file for 1 image(s) of the dataset: they are scored as all background\n',
    );
    expect(both.eval).toEqual(JSON.parse(evaluated.stdout));
    expect(JSON.parse(evaluated.stdout)).toEqual({
      ...JSON.parse(run(['eval', '--dataset', 'voc-train', '--run', 'flat', '--json']).stdout),
      run: 'flat2',
    });
    const human = run(['import', 'predictions', preds, '--dataset', 'voc-train', '--run', 'flat3', '--format', 'png', '--eval']);
    expect(human.stdout).toMatch(
      /^imported run "flat3" \(id 3\): 1 regions on 1 images\n\ndataset voc-train, run flat3: 2 images \(scores in %\)\nmIoU/,
    );
    // A folder for one split of a dataset of several: the warning says how to score that split alone,
    // and eval with that subset says the missing files are elsewhere (probe AB: LISA and mmseg score one split).
    const all = run(['import', 'voc', voc.root, '--name', 'voc all', '--json']);
    expect(all.code).toBe(0);
    const valOnly = join(root, 'preds-val');
    mkdirSync(valOnly);
    writeGreyMask(join(valOnly, '2007_000001.png'), 48, 36, new Uint8Array(48 * 36).fill(15));
    const split = run(['import', 'predictions', valOnly, '--dataset', 'voc all', '--run', 'val run', '--format', 'png', '--json']);
    expect(JSON.parse(split.stdout).withoutFile).toEqual({
      images: 2,
      of: 3,
      examples: ['2007_000000.jpg', '2007_000002.jpg'],
      splits: { covered: ['val'], without: ['train'] },
    });
    expect(split.stderr).toBe(
      `warning: 2 of 3 images of dataset "voc all" have no prediction file in ${valOnly} (2007_000000.jpg, 2007_000002.jpg): run "val run" scores them as all background; the files cover split val and the images without one are all in split train: to score only what the files cover, tessera tags add val --dataset 'voc all' --split val, then tessera eval --dataset 'voc all' --run 'val run' --subset val\n`,
    );
    expect(run(['tags', 'add', 'val', '--dataset', 'voc all', '--split', 'val']).code).toBe(0);
    const subset = run(['eval', '--dataset', 'voc all', '--run', 'val run', '--subset', 'val', '--json']);
    expect(subset.stderr).toBe(
      'note: run "val run" was imported without a prediction file for 2 image(s), all in split train (its files cover val): any of them in subset "val" is scored as all background\n',
    );
    expect(JSON.parse(subset.stdout)).toMatchObject({ images: 1 });
    const e = run(['export', '--dataset', 'voc-train', '--run', 'flat', '--format', 'voc', '--out', join(root, 'pred-out')]);
    expect(e.code).toBe(0);
    expect(existsSync(join(root, 'pred-out', '2007_000000.png'))).toBe(true);
    expect(run(['export', '--dataset', '2', '--format', 'coco', '--out', join(root, 'coco-out')]).code).toBe(0);
    expect(JSON.parse(readFileSync(join(root, 'coco-out', 'instances.json'), 'utf8')).annotations).toHaveLength(6);
  });

  it('input errors exit 1 with one line and no stack; usage errors exit 2', () => {
    const notVoc = run(['import', 'voc', join(root, 'coco')]);
    expect(notVoc.code).toBe(1);
    expect(notVoc.stderr).toBe(
      `error: ${join(root, 'coco')}: not a PASCAL VOC folder: no JPEGImages/ folder (expected JPEGImages/, SegmentationClass/ or SegmentationClassAug/, ImageSets/Segmentation/<split>.txt)\n`,
    );
    const npy = run(['export', '--dataset', 'voc-train', '--format', 'npy', '--out', join(root, 'x')]);
    expect(npy).toMatchObject({ code: 1, stderr: "error: npy export writes a run's heatmaps: give --run\n" });
    expect(run(['import', 'coco', join(root, 'coco', 'instances.json')]).code).toBe(2);
    const badFormat = run(['import', 'predictions', join(root, 'preds'), '--dataset', 'voc-train', '--run', 'r', '--format', 'tiff']);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toMatch(/Allowed choices are png, coco-results, npy, toco-cam/);
    const taken = run(['import', 'predictions', join(root, 'preds'), '--dataset', 'voc-train', '--run', 'flat', '--format', 'png']);
    expect(taken).toMatchObject({ code: 1, stderr: 'error: run "flat" already exists on dataset "voc-train"; choose another name\n' });
  });
});
