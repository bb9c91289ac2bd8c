import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tessera } from '../../helpers/cli';
import { tempDir, writeGreyMask } from '../../helpers/fixtures';
import { makeVocRoot } from './generate';

// An image listed in several split lists is in each of them (migration 22). Before, it kept only the
// alphabetically first list, so `tags add --split train_aug` left out every train image and a
// subset of val silently scored other images (probe AG, D1).

let root: string;
let cleanup: () => void;
const ws = (): string => join(root, 'ws');
const run = (args: string[]) => tessera(['--workspace', ws(), ...args]);
const id = (k: number): string => `2007_${String(k).padStart(6, '0')}`;
const W = 48;
const H = 36;

beforeAll(() => {
  const t = tempDir();
  root = t.dir;
  cleanup = t.cleanup;
});
afterAll(() => cleanup());

/** Lists: train ⊂ train_aug, minival ⊂ val, trainval = train ∪ val, and 2007_000002 leaked into both train and val. */
async function vocWithOverlappingLists(dir: string): Promise<Map<string, Uint8Array>> {
  const voc = await makeVocRoot(dir, { n: 6, w: W, h: H });
  const lists: Record<string, number[]> = {
    train: [0, 2],
    val: [1, 2, 3, 4],
    train_aug: [0, 2, 5],
    minival: [1],
    trainval: [0, 1, 2, 3, 4],
  };
  for (const [name, ks] of Object.entries(lists))
    writeFileSync(join(dir, 'ImageSets', 'Segmentation', `${name}.txt`), `${ks.map(id).join('\n')}\n`);
  return voc.labels;
}

/** A prediction per image: its ground truth with a band of rows relabelled, different per image. */
function writePredictions(dir: string, labels: Map<string, Uint8Array>, ks: number[]): void {
  mkdirSync(dir, { recursive: true });
  for (const k of ks) {
    const p = Uint8Array.from(labels.get(id(k)) as Uint8Array, (v) => (v === 255 ? 0 : v));
    for (let y = 3 * k; y < 3 * k + 8; y++) for (let x = 0; x < W; x++) p[y * W + x] = (k + x) % 4;
    writeGreyMask(join(dir, `${id(k)}.png`), W, H, p);
  }
}

describe('VOC split lists that share images', () => {
  it('tags every image a list names, scores the subset as the split imported alone, names the leak, and exports each list whole', async () => {
    const labels = await vocWithOverlappingLists(join(root, 'VOC'));
    expect(run(['init']).code).toBe(0);

    const imported = run(['import', 'voc', join(root, 'VOC'), '--name', 'all']);
    expect(imported).toMatchObject({ code: 0, stderr: '' });
    expect(imported.stdout).toBe(
      'imported 6 images (6 with masks) as dataset "all" (id 1)\n' +
        'note: 1 image(s) are listed in both train.txt and val.txt (2007_000002): training images in an evaluation split; each is in both splits\n' +
        'note: 1 image(s) are listed in both train_aug.txt and val.txt (2007_000002): training images in an evaluation split; each is in both splits\n',
    );

    // The split shown stays the first list naming the image (trainval left out: train and val are there).
    const db = new Database(join(ws(), 'tessera.db'), { readonly: true });
    const shown = db.prepare('SELECT external_id, split FROM images ORDER BY external_id').raw().all();
    const rows = db
      .prepare('SELECT i.external_id, s.split FROM image_splits s JOIN images i ON i.id = s.image_id ORDER BY 1, 2')
      .raw()
      .all() as Array<[string, string]>;
    db.close();
    expect(shown).toEqual([
      [id(0), 'train'],
      [id(1), 'minival'],
      [id(2), 'train'],
      [id(3), 'val'],
      [id(4), 'val'],
      [id(5), 'train_aug'],
    ]);
    expect(rows.filter(([i]) => i === id(2)).map(([, s]) => s)).toEqual(['train', 'train_aug', 'trainval', 'val']);

    // Each subset holds every image its list names.
    const tagged = (tag: string, split: string): string => run(['tags', 'add', tag, '--dataset', 'all', '--split', split]).stdout;
    expect(tagged('aug', 'train_aug')).toMatch(/^tagged 3 image\(s\)/);
    expect(tagged('val', 'val')).toMatch(/^tagged 4 image\(s\)/);
    expect(tagged('mini', 'minival')).toMatch(/^tagged 1 image\(s\)/);

    // The val subset scores exactly as the val split imported on its own, with the same files.
    writePredictions(join(root, 'pred-all'), labels, [0, 1, 2, 3, 4, 5]);
    writePredictions(join(root, 'pred-val'), labels, [1, 2, 3, 4]);
    expect(run(['import', 'predictions', join(root, 'pred-all'), '--dataset', 'all', '--run', 'p', '--format', 'png']).code).toBe(0);
    expect(run(['import', 'voc', join(root, 'VOC'), '--split', 'val', '--name', 'val-only']).code).toBe(0);
    expect(run(['import', 'predictions', join(root, 'pred-val'), '--dataset', 'val-only', '--run', 'p', '--format', 'png']).code).toBe(0);
    const subset = JSON.parse(run(['eval', '--dataset', 'all', '--run', 'p', '--subset', 'val', '--json']).stdout);
    const alone = JSON.parse(run(['eval', '--dataset', 'val-only', '--run', 'p', '--json']).stdout);
    expect(subset.images).toBe(4);
    expect(subset.semantic.miou).toBeGreaterThan(0.3);
    expect(subset.semantic.miou).toBeLessThan(0.99);
    expect(subset.semantic).toEqual(alone.semantic);

    // A ground-truth export writes every list whole, and imports back with the same membership.
    expect(run(['export', '--dataset', 'all', '--format', 'voc', '--out', join(root, 'out')]).code).toBe(0);
    const list = (name: string): string => readFileSync(join(root, 'out', 'ImageSets', 'Segmentation', `${name}.txt`), 'utf8');
    expect(list('train_aug')).toBe(`${[0, 2, 5].map(id).join('\n')}\n`);
    expect(list('val')).toBe(`${[1, 2, 3, 4].map(id).join('\n')}\n`);
    expect(list('train')).toBe(`${[0, 2].map(id).join('\n')}\n`);
    expect(list('trainval')).toBe(`${[0, 1, 2, 3, 4].map(id).join('\n')}\n`);
    expect(run(['import', 'voc', join(root, 'out'), '--name', 'again']).code).toBe(0);
    expect(run(['tags', 'add', 'aug', '--dataset', 'again', '--split', 'train_aug']).stdout).toMatch(/^tagged 3 image\(s\)/);
  });

  it('a workspace from before migration 22 gets each image its one stored split', async () => {
    const dir = join(root, 'old');
    await makeVocRoot(join(dir, 'VOC'), { n: 4 });
    const old = (args: string[]) => tessera(['--workspace', join(dir, 'ws'), ...args]);
    expect(old(['init']).code).toBe(0);
    expect(old(['import', 'voc', join(dir, 'VOC'), '--name', 'v']).code).toBe(0);
    // As schema 21 left it: no image_splits table.
    const db = new Database(join(dir, 'ws', 'tessera.db'));
    db.exec('DROP TABLE image_splits');
    db.pragma('user_version = 21');
    db.close();
    expect(old(['tags', 'add', 'val', '--dataset', 'v', '--split', 'val']).stdout).toMatch(/^tagged 2 image\(s\)/);
    const after = new Database(join(dir, 'ws', 'tessera.db'), { readonly: true });
    expect(after.prepare('SELECT COUNT(*) FROM image_splits').pluck().get()).toBe(4);
    after.close();
  });
});
