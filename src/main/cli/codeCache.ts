/**
 * Runs a CommonJS bundle with a V8 code cache beside it, so a CLI command does not compile the
 * 1.7 MB bundle again at every start (~40-70 ms of each command's ~200 ms start on this machine).
 *
 * V8 checks a cache against its own version, its flags and the source's *length* only: a cache of
 * another bundle of the same length would be taken. So the cache file starts with the SHA-1 of
 * the source it was made from, and is used only when that matches the bundle being run. A cache
 * that is missing, of another source or refused by V8 (another Node, other flags) is written anew
 * when the process exits (with the functions that run compiled), through a temporary file and a
 * rename, so two commands exiting at once never leave a torn file. Where the folder is not writable
 * the bundle simply runs without one.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

const MAGIC = Buffer.from('TSCC1\n');
const HASH_BYTES = 20;

/** What happened to the cache this run (for tests and the benchmark). */
export type CodeCacheUse = 'used' | 'none' | 'other source' | 'refused';

/** The cache's bytes for V8 when the file is ours and was made from `sourceHash`; else why not. */
function cachedDataFor(cache: Buffer | null, sourceHash: Buffer): { data: Buffer } | { why: 'none' | 'other source' } {
  if (cache === null || cache.length <= MAGIC.length + HASH_BYTES) return { why: 'none' };
  if (!cache.subarray(0, MAGIC.length).equals(MAGIC)) return { why: 'other source' };
  const hash = cache.subarray(MAGIC.length, MAGIC.length + HASH_BYTES);
  if (!hash.equals(sourceHash)) return { why: 'other source' };
  return { data: cache.subarray(MAGIC.length + HASH_BYTES) };
}

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Writes `bytes` to `file` whole or not at all; false when the folder does not allow it. */
function writeWhole(file: string, bytes: Buffer[]): boolean {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, Buffer.concat(bytes));
    renameSync(temp, file);
    return true;
  } catch {
    rmSync(temp, { force: true });
    return false;
  }
}

/** A CommonJS file compiled (with its code cache when that is its own), ready to run. */
export interface CachedScript {
  use: CodeCacheUse;
  /** Runs the file as Node's loader would: its own module, require, __filename and __dirname. */
  run(): void;
  /** Writes the cache (with every function compiled so far); false where the folder does not allow it. */
  save(): boolean;
}

/** Compiles `file` with the code cache `${file}.cache` when that cache was made from this very source. */
export function loadWithCodeCache(file: string): CachedScript {
  const source = readFileSync(file);
  const sourceHash = createHash('sha1').update(source).digest();
  const cacheFile = `${file}.cache`;
  const found = cachedDataFor(readOrNull(cacheFile), sourceHash);
  const script = new Script(Module.wrap(source.toString('utf8')), {
    filename: file,
    ...('data' in found ? { cachedData: found.data } : {}),
  });
  return {
    use: 'data' in found ? (script.cachedDataRejected === true ? 'refused' : 'used') : found.why,
    run() {
      const wrapper = script.runInThisContext() as (
        exports: unknown,
        require: NodeJS.Require,
        module: Module,
        filename: string,
        dirname: string,
      ) => void;
      const mod = new Module(file);
      mod.filename = file;
      wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
    },
    // Not even made where the folder is not writable (an install owned by another user): a command
    // would otherwise serialize the cache at every exit only to fail to write it.
    save: () => writable(dirname(file)) && writeWhole(cacheFile, [MAGIC, sourceHash, script.createCachedData()]),
  };
}

/**
 * Runs the CommonJS file `file` with its code cache; where that cache could not be used, writes it
 * when the process exits, so it holds the functions this command compiled, not only the top level.
 */
export function runWithCodeCache(file: string): CodeCacheUse {
  const loaded = loadWithCodeCache(file);
  if (loaded.use !== 'used') process.once('exit', () => loaded.save());
  loaded.run();
  return loaded.use;
}
