/**
 * A COCO export that meets the file-size limit (`ulimit -f`, as a quota'd share or a full disk would
 * stop it; QA probe B): the JSON is written through a stream, whose write errors carry no path, and
 * the job said "internal error in job …". Now one line names the file, and nothing is left behind.
 * Runs the built CLI under bash's ulimit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, tessera } from '../../helpers/cli';
import { tempDir, writePaletteMask, writeSolidImage } from '../../helpers/fixtures';
import { testRandom } from '../metrics/helpers';
import { vocPalette } from './generate';

let t: { dir: string; cleanup: () => void };
let ws: string;

beforeAll(async () => {
  t = tempDir('tessera-export-limit-');
  ws = join(t.dir, 'ws');
  const images = join(t.dir, 'images');
  const masks = join(t.dir, 'masks');
  mkdirSync(images);
  mkdirSync(masks);
  // Speckled masks: long RLE strings, so the COCO JSON outgrows the limit well before the store does.
  const random = testRandom(3);
  const [W, H] = [96, 72];
  for (let i = 0; i < 24; i++) {
    const name = `im${String(i).padStart(2, '0')}`;
    await writeSolidImage(join(images, `${name}.png`), W, H, [90, 90, 90]);
    const labels = Uint8Array.from({ length: W * H }, () => Math.floor(random() * 3));
    writePaletteMask(join(masks, `${name}.png`), W, H, labels, vocPalette());
  }
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
  expect(tessera(['--workspace', ws, 'import', 'folder', images, '--masks', masks, '--name', 'speckle']).code).toBe(0);
});

afterAll(() => t?.cleanup());

describe('export under a file-size limit', () => {
  it('COCO: one line naming the file (not an internal error), and no export folder or staging folder left', () => {
    const out = join(t.dir, 'coco');
    const r = spawnSync(
      'bash',
      ['-c', `ulimit -f 64; exec "${process.execPath}" "${BIN}" --workspace "${ws}" export --dataset speckle --format coco --out "${out}"`],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`error: ${join(out, 'instances.json')}: file too large for the file system (or the process's file size limit)\n`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(t.dir).filter((f) => f.includes('tessera-export'))).toEqual([]);
    // Without the limit the same export works.
    expect(tessera(['--workspace', ws, 'export', '--dataset', 'speckle', '--format', 'coco', '--out', out]).code).toBe(0);
  });
});
