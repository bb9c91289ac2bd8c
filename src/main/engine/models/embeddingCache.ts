import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ApiError } from '../../../shared/api/apiError';
import type { WireTensor } from './inference/protocol';

/**
 * SAM image embeddings cached as files beside the database, not in it, so `tessera.db` stays small
 * and quick to back up:
 *
 *   <workspace>/cache/embeddings/<model sha256[0:16]>/<image sha256[0:32]>-<sha256(key)[0:16]>.f32
 *
 * One file per (model file, image key): an 8-byte magic, the header length and the CRC-32 of the data
 * (u32 little-endian each), a JSON header { key, dims } and the float32 values exactly as the encoder
 * returned them. A file that is short, damaged or for another key is deleted and recomputed, never used.
 * Writes go to a temp file renamed into place, so a reader never sees half a file. The folder is
 * capped (TESSERA_EMBEDDING_CACHE_MB, default 2048; 0 turns the cache off): a write that takes it over
 * the cap removes the least recently used files first (a hit touches its file's mtime). The cache is
 * best effort: a read-only workspace or a full disk still returns the computed embedding.
 */

export const EMBEDDINGS_DIR = 'embeddings';
export const DEFAULT_EMBEDDING_CACHE_MB = 2048;
const MAGIC = Buffer.from('TSEMBF32', 'latin1');
const PREFIX = MAGIC.length + 8;
const SUFFIX = '.f32';
/** A temp file this old is a crashed writer's: a scan removes it. */
const STALE_TMP_MS = 60 * 60 * 1000;

/** The cap in bytes from TESSERA_EMBEDDING_CACHE_MB (megabytes, 0 = no cache). */
export function embeddingCacheCapBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['TESSERA_EMBEDDING_CACHE_MB'];
  if (raw === undefined || raw.trim() === '') return DEFAULT_EMBEDDING_CACHE_MB * 1024 * 1024;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb < 0)
    throw new ApiError('INVALID_INPUT', `TESSERA_EMBEDDING_CACHE_MB must be a size in megabytes (0 or more), not "${raw}"`);
  return Math.floor(mb * 1024 * 1024);
}

interface Entry {
  file: string;
  size: number;
  mtimeMs: number;
}

export class EmbeddingCache {
  readonly root: string;

  /** `cacheDir` is the workspace's cache folder (WorkspacePaths.cache). */
  constructor(
    cacheDir: string,
    readonly capBytes: number = embeddingCacheCapBytes(),
  ) {
    this.root = join(cacheDir, EMBEDDINGS_DIR);
  }

  /** The file of (model, key); `key` starts with the image's content sha256. */
  fileFor(modelSha: string, key: string): string {
    const id = createHash('sha256').update(`${modelSha}|${key}`).digest('hex').slice(0, 16);
    return join(this.root, modelSha.slice(0, 16), `${key.slice(0, 32)}-${id}${SUFFIX}`);
  }

  /** The cached embedding, or null when there is none or the file does not check out (then it is removed). */
  async get(modelSha: string, key: string): Promise<WireTensor | null> {
    if (this.capBytes === 0) return null;
    const file = this.fileFor(modelSha, key);
    const bytes = await readFile(file).catch(() => null);
    if (bytes === null) return null;
    const tensor = decode(bytes, `${modelSha}|${key}`);
    if (tensor === null) {
      await rm(file, { force: true }).catch(() => undefined);
      return null;
    }
    // Least recently used goes first: a hit makes the file recent (atime is often not kept: relatime, noatime).
    const now = new Date();
    await utimes(file, now, now).catch(() => undefined);
    return tensor;
  }

  /** Stores an embedding (float32 only) and trims the folder to the cap. Never throws. */
  async put(modelSha: string, key: string, tensor: WireTensor): Promise<void> {
    if (this.capBytes === 0 || tensor.type !== 'float32') return;
    const bytes = encode(tensor, `${modelSha}|${key}`);
    if (bytes.byteLength > this.capBytes) return;
    const file = this.fileFor(modelSha, key);
    const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(join(file, '..'), { recursive: true });
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    } catch {
      await rm(tmp, { force: true }).catch(() => undefined);
      return;
    }
    await this.evict(file).catch(() => undefined);
  }

  /** Removes least recently used files until the folder is within the cap; `keep` is never removed. */
  async evict(keep?: string): Promise<number> {
    const entries = await this.scan();
    let total = entries.reduce((s, e) => s + e.size, 0);
    if (total <= this.capBytes) return 0;
    entries.sort((a, b) => a.mtimeMs - b.mtimeMs || a.file.localeCompare(b.file));
    let removed = 0;
    for (const e of entries) {
      if (total <= this.capBytes) break;
      if (e.file === keep) continue;
      try {
        await rm(e.file);
        removed++;
      } catch {
        // Gone already (another process evicted it) or not removable: either way it no longer counts.
      }
      total -= e.size;
    }
    return removed;
  }

  /** Every cache file with its size and mtime; stale temp files are removed on the way. */
  private async scan(): Promise<Entry[]> {
    const out: Entry[] = [];
    const dirs = await readdir(this.root).catch(() => [] as string[]);
    for (const d of dirs) {
      const names = await readdir(join(this.root, d)).catch(() => [] as string[]);
      for (const name of names) {
        const file = join(this.root, d, name);
        const st = await stat(file).catch(() => null);
        if (st === null || !st.isFile()) continue;
        if (name.endsWith('.tmp')) {
          if (Date.now() - st.mtimeMs > STALE_TMP_MS) await rm(file, { force: true }).catch(() => undefined);
          continue;
        }
        if (name.endsWith(SUFFIX)) out.push({ file, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
    return out;
  }

  /** Total bytes and files in the cache (README figures, tests). */
  usage(): { files: number; bytes: number } {
    let files = 0;
    let bytes = 0;
    for (const f of this.listSync()) {
      files++;
      bytes += statSync(f).size;
    }
    return { files, bytes };
  }

  /** Cache files of one model file (by sha256). */
  modelFiles(modelSha: string): string[] {
    return this.listSync(modelSha.slice(0, 16));
  }

  /** Cache files of these images (by content sha256), whatever the model. */
  imageFiles(imageShas: readonly string[]): string[] {
    const wanted = new Set(imageShas.map((s) => s.slice(0, 32)));
    return this.listSync().filter((f) => wanted.has((f.split(/[\\/]/).pop() ?? '').slice(0, 32)));
  }

  /** Removes the given cache files; returns how many went (a file already gone is skipped). */
  static remove(files: readonly string[]): number {
    let n = 0;
    for (const f of files) {
      try {
        rmSync(f);
        n++;
      } catch {
        // Already gone or read-only: a cache entry nothing uses again.
      }
    }
    return n;
  }

  private listSync(onlyDir?: string): string[] {
    const files: string[] = [];
    let dirs: string[];
    try {
      dirs = onlyDir === undefined ? readdirSync(this.root) : [onlyDir];
    } catch {
      return files;
    }
    for (const d of dirs) {
      let names: string[];
      try {
        names = readdirSync(join(this.root, d));
      } catch {
        continue;
      }
      for (const name of names) if (name.endsWith(SUFFIX)) files.push(join(this.root, d, name));
    }
    return files;
  }
}

export function encode(tensor: WireTensor, key: string): Buffer {
  const header = Buffer.from(JSON.stringify({ key, dims: tensor.dims }), 'utf8');
  const data = Buffer.from(tensor.data, 0, tensor.data.byteLength);
  const prefix = Buffer.alloc(PREFIX);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(header.length, MAGIC.length);
  prefix.writeUInt32LE(crc32(data), MAGIC.length + 4);
  return Buffer.concat([prefix, header, data]);
}

/** The tensor in `bytes`, or null when the file is not a whole, undamaged entry for `key`. */
export function decode(bytes: Buffer, key: string): WireTensor | null {
  if (bytes.length < PREFIX || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const crc = bytes.readUInt32LE(MAGIC.length + 4);
  if (PREFIX + headerLength > bytes.length) return null;
  let header: unknown;
  try {
    header = JSON.parse(bytes.subarray(PREFIX, PREFIX + headerLength).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof header !== 'object' || header === null) return null;
  const { key: stored, dims } = header as { key?: unknown; dims?: unknown };
  if (stored !== key || !Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) return null;
  const count = (dims as number[]).reduce((a, b) => a * b, 1);
  const data = bytes.subarray(PREFIX + headerLength);
  if (data.length !== count * 4 || crc32(data) !== crc) return null;
  const copy = new ArrayBuffer(data.length);
  new Uint8Array(copy).set(data);
  return { type: 'float32', dims: dims as number[], data: copy };
}
