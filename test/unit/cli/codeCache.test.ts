import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../helpers/fixtures';

const DRIVER = fileURLToPath(new URL('./codeCacheDriver.mjs', import.meta.url));

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

/** A CommonJS file that leaves what it saw in a global (its module, require and file name included). */
function writeScript(name: string, value: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `function answer() { return '${value}'; }
module.exports = { answer };
globalThis.codeCacheTest = { value: answer(), own: module.exports.answer === answer, file: __filename, dir: __dirname, path: require('node:path').basename(__filename) };
`,
  );
  return file;
}

/** Loads and runs `file` with its code cache in a fresh process (and writes the cache when asked). */
function runAndRead(file: string, save = false): { use: string; seen: unknown; saved: boolean | null } {
  const r = spawnSync(process.execPath, [DRIVER, file, ...(save ? ['save'] : [])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { use: string; seen: unknown; saved: boolean | null };
}

describe('the CLI code cache (src/main/cli/codeCache.ts)', () => {
  it('runs without a cache, writes one, and runs from it next time with the same result', () => {
    const file = writeScript('bundle.cjs', 'first');
    const seen = { value: 'first', own: true, file, dir, path: 'bundle.cjs' };
    expect(runAndRead(file, true)).toEqual({ use: 'none', seen, saved: true });
    expect(readFileSync(`${file}.cache`).subarray(0, 6).toString()).toBe('TSCC1\n');
    expect(runAndRead(file)).toEqual({ use: 'used', seen, saved: null });
    // Nothing but the bundle and its cache: the temporary file was renamed.
    expect(readdirSync(dir).sort()).toEqual(['bundle.cjs', 'bundle.cjs.cache']);
  });

  it('never runs the cache of another source of the same length (V8 checks only the length)', () => {
    const file = writeScript('bundle.cjs', 'aaaa');
    expect(runAndRead(file, true)).toMatchObject({ use: 'none', saved: true });
    expect(runAndRead(file)).toMatchObject({ use: 'used', seen: { value: 'aaaa' } });
    writeScript('bundle.cjs', 'bbbb'); // same length, other code
    expect(runAndRead(file)).toMatchObject({ use: 'other source', seen: { value: 'bbbb' } });
  });

  it('ignores a cache that is cut, foreign or refused by V8, and runs the source', () => {
    const file = writeScript('bundle.cjs', 'ok');
    runAndRead(file, true);
    const good = readFileSync(`${file}.cache`);
    writeFileSync(`${file}.cache`, good.subarray(0, 10));
    expect(runAndRead(file)).toMatchObject({ use: 'none', seen: { value: 'ok' } });
    writeFileSync(`${file}.cache`, Buffer.from('not a cache at all, but long enough to look like one'));
    expect(runAndRead(file)).toMatchObject({ use: 'other source', seen: { value: 'ok' } });
    // Our header and this source's hash, but V8's own header damaged: V8 refuses it.
    const damaged = Buffer.from(good);
    damaged.fill(0x5a, 26, 26 + 24);
    writeFileSync(`${file}.cache`, damaged);
    expect(runAndRead(file)).toMatchObject({ use: 'refused', seen: { value: 'ok' } });
    // ... and a command rewrites it: the next one uses it.
    expect(runAndRead(file, true)).toMatchObject({ use: 'refused', saved: true });
    expect(runAndRead(file)).toMatchObject({ use: 'used', seen: { value: 'ok' } });
  });

  it('runs without a cache where it cannot write one, and leaves no temporary file', () => {
    const file = writeScript('bundle.cjs', 'ro');
    mkdirSync(`${file}.cache`); // the rename onto a folder fails, as in a folder the user cannot write
    expect(runAndRead(file, true)).toEqual({ use: 'none', seen: expect.objectContaining({ value: 'ro' }), saved: false });
    expect(readdirSync(dir).sort()).toEqual(['bundle.cjs', 'bundle.cjs.cache']);
  });
});
