import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddingCache, embeddingCacheCapBytes, encode, DEFAULT_EMBEDDING_CACHE_MB } from '../../../src/main/engine/models/embeddingCache';
import type { WireTensor } from '../../../src/main/engine/models/inference/protocol';
import { openDatabase } from '../../../src/main/engine/store/db';
import { migrations } from '../../../src/main/engine/store/migrations';
import { tempDir } from '../../helpers/fixtures';
import Database from 'better-sqlite3';

const MODEL = 'a'.repeat(64);
const OTHER_MODEL = 'b'.repeat(64);
const imageKey = (i: number): string => `${String(i).repeat(64)}|variant0123456789`;

/** A [1, 4, 8, 8] float32 tensor whose values include the awkward ones (NaN payloads, -0, subnormals, ±Infinity). */
function tensor(seed: number): WireTensor {
  const values = new Float32Array(4 * 8 * 8);
  for (let i = 0; i < values.length; i++) values[i] = Math.sin(seed * 1000 + i) * 1e3;
  const bits = new Uint32Array(values.buffer);
  bits[0] = 0x7fc00001; // quiet NaN with a payload
  bits[1] = 0x80000000; // -0
  bits[2] = 0x00000001; // smallest subnormal
  values[3] = Infinity;
  values[4] = -Infinity;
  return { type: 'float32', dims: [1, 4, 8, 8], data: values.buffer };
}
const bytes = (t: WireTensor): Uint8Array => new Uint8Array(t.data);

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

describe('embedding file cache', () => {
  it('returns the stored values bit for bit, with their dims, under cache/embeddings/<model>/<image>-<key>.f32', async () => {
    const cache = new EmbeddingCache(t.dir, 1 << 20);
    expect(await cache.get(MODEL, imageKey(1))).toBeNull();
    await cache.put(MODEL, imageKey(1), tensor(1));
    const got = await cache.get(MODEL, imageKey(1));
    expect(got?.dims).toEqual([1, 4, 8, 8]);
    expect(bytes(got!)).toEqual(bytes(tensor(1)));
    // Another variant of the same image, or another model file, is another entry.
    expect(await cache.get(MODEL, `${imageKey(1).slice(0, 64)}|othervariant`)).toBeNull();
    expect(await cache.get(OTHER_MODEL, imageKey(1))).toBeNull();
    const files = readdirSync(join(t.dir, 'embeddings', MODEL.slice(0, 16)));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^${'1'.repeat(32)}-[0-9a-f]{16}\\.f32$`));
  });

  it('removes the least recently used files first when a write takes it over the cap', async () => {
    const entry = encode(tensor(0), `${MODEL}|${imageKey(0)}`).length;
    const cache = new EmbeddingCache(t.dir, 3 * entry);
    for (const i of [1, 2, 3]) await cache.put(MODEL, imageKey(i), tensor(i));
    // Written 300, 200 and 100 seconds ago; then entry 1 is read, which makes it the most recent.
    const now = Date.now() / 1000;
    for (const i of [1, 2, 3]) utimesSync(cache.fileFor(MODEL, imageKey(i)), now - 400 + 100 * i, now - 400 + 100 * i);
    expect(await cache.get(MODEL, imageKey(1))).not.toBeNull();
    await cache.put(MODEL, imageKey(4), tensor(4));
    expect(existsSync(cache.fileFor(MODEL, imageKey(2)))).toBe(false);
    for (const i of [1, 3, 4]) expect(bytes((await cache.get(MODEL, imageKey(i)))!)).toEqual(bytes(tensor(i)));
    expect(cache.usage()).toEqual({ files: 3, bytes: 3 * entry });

    // An entry bigger than the whole cap is not stored (and evicts nothing).
    const tiny = new EmbeddingCache(t.dir, entry - 1);
    await tiny.put(MODEL, imageKey(5), tensor(5));
    expect(existsSync(cache.fileFor(MODEL, imageKey(5)))).toBe(false);
    expect(cache.usage().files).toBe(3);
  });

  it('never uses a truncated, damaged or misplaced file: it is removed and reported as a miss', async () => {
    const cache = new EmbeddingCache(t.dir, 1 << 20);
    for (const i of [1, 2, 3, 4, 5]) await cache.put(MODEL, imageKey(i), tensor(i));
    const file = (i: number): string => cache.fileFor(MODEL, imageKey(i));
    truncateSync(file(1), readFileSync(file(1)).length - 4); // a float short
    const flipped = readFileSync(file(2));
    flipped[flipped.length - 7]! ^= 0x01; // one bit of one value
    writeFileSync(file(2), flipped);
    writeFileSync(file(3), readFileSync(file(4))); // another key's entry at this name
    truncateSync(file(5), 10); // cut inside the header
    for (const i of [1, 2, 3, 5]) {
      expect(await cache.get(MODEL, imageKey(i))).toBeNull();
      expect(existsSync(file(i))).toBe(false);
    }
    expect(bytes((await cache.get(MODEL, imageKey(4)))!)).toEqual(bytes(tensor(4)));
  });

  it('lists and removes the files of a model or of images, and stays off at a cap of 0', async () => {
    const cache = new EmbeddingCache(t.dir, 1 << 20);
    await cache.put(MODEL, imageKey(1), tensor(1));
    await cache.put(MODEL, imageKey(2), tensor(2));
    await cache.put(OTHER_MODEL, imageKey(1), tensor(1));
    expect(cache.modelFiles(MODEL)).toHaveLength(2);
    expect(cache.imageFiles([imageKey(1).slice(0, 64)])).toHaveLength(2);
    expect(EmbeddingCache.remove(cache.imageFiles([imageKey(1).slice(0, 64)]))).toBe(2);
    expect(cache.usage().files).toBe(1);
    expect(EmbeddingCache.remove(cache.modelFiles(MODEL))).toBe(1);
    expect(cache.usage().files).toBe(0);

    const off = new EmbeddingCache(t.dir, 0);
    await off.put(MODEL, imageKey(1), tensor(1));
    expect(off.usage().files).toBe(0);
  });

  it('reads its cap from TESSERA_EMBEDDING_CACHE_MB, refusing a value that is not a size', () => {
    expect(embeddingCacheCapBytes({})).toBe(DEFAULT_EMBEDDING_CACHE_MB * 1024 * 1024);
    expect(embeddingCacheCapBytes({ TESSERA_EMBEDDING_CACHE_MB: '64' })).toBe(64 * 1024 * 1024);
    expect(embeddingCacheCapBytes({ TESSERA_EMBEDDING_CACHE_MB: '0' })).toBe(0);
    expect(() => embeddingCacheCapBytes({ TESSERA_EMBEDDING_CACHE_MB: '2GB' })).toThrow(
      'TESSERA_EMBEDDING_CACHE_MB must be a size in megabytes (0 or more), not "2GB"',
    );
  });

  it('a workspace from before the file cache loses its embedding rows and table on open, and stays sound', () => {
    const file = join(t.dir, 'tessera.db');
    const old = new Database(file);
    const before = migrations.findIndex((m) => m.includes('DROP TABLE image_embeddings'));
    expect(before).toBeGreaterThan(0);
    for (const step of migrations.slice(0, before)) old.exec(step);
    old.pragma(`user_version = ${before}`);
    const row = old.prepare('INSERT INTO image_embeddings (model_sha256, image_sha256, shape, data) VALUES (?, ?, ?, ?)');
    for (let i = 0; i < 8; i++) row.run(MODEL, imageKey(i), '[1,4,8,8]', Buffer.from(tensor(i).data));
    old.close();
    const db = openDatabase(file);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'image_embeddings'").all()).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
