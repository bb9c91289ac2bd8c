/**
 * Per-image score lists kept in the store across restarts (migration 9). The gallery's score sort of a
 * whole dataset lists every scored sample with its stored score: ~0.3-0.45 s at 100k images on a
 * freshly opened workspace (cold pages, 100k rows through better-sqlite3). Once listed, the read
 * worker writes the list here with the score-input version it was read at (store/scoreInputs.ts); a
 * later process whose version is the same reads the list back as one blob (~30 ms at 100k).
 *
 * Why the version is enough: its clocks only grow and its counters only grow while the clocks stand
 * still, so no two states of one database share a version; the rows live in the database they
 * describe, so a restored backup brings its own. The version is prefixed with the format and the tool
 * version, since which samples are scored and how they are listed is code.
 */
import type { DatasetSummary } from '../../../shared/domain';
import type { Db } from './db';
import { isUtf8 } from 'node:buffer';
import { TOOL_VERSION } from '../version';

/** Columns of a dataset's scored samples in gallery order (store/repos/evaluation.ts scoredSampleColumns). */
export interface SampleListColumns {
  sampleIds: Float64Array;
  imageIds: Float64Array;
  fileNames: string[];
  queries: Array<string | null>;
}

/** Columns of one per-image score list (readWorker/perImageColumns.ts ImageScoreColumns). */
export interface ScoreListColumns extends SampleListColumns {
  /** NaN: no score. */
  scores: Float64Array;
}

/** Where score reads hand the lists they listed, to be kept (the read worker writes them when idle). */
export interface ScoreListKeeper {
  /** A whole dataset's per-image scores under a run, read at score-input `version`. */
  keep(datasetId: number, runId: number, version: string, columns: ScoreListColumns): void;
  /** A dataset's scored samples for `task`, listed at sample-set `version`. */
  keepSamples(datasetId: number, task: string, version: string, columns: SampleListColumns): void;
  /** A run whose list is to be read and kept when idle. */
  later(datasetId: number, runId: number): void;
  /** A dataset's summary, counted at its clocks' `version` (store/summarySnapshots.ts). */
  keepSummary(datasetId: number, version: string, summary: DatasetSummary): void;
}

const FORMAT = 1;
const MAGIC = 0x54535331; // 'TSS1'
const HAS_SCORES = 1;
/** Score lists kept per workspace (the most recently written): ~3 MB each at 100k images. */
export const KEPT_SNAPSHOTS = 16;

/** The stored version of a list read at score-input `version`. */
export function snapshotVersion(version: string): string {
  return `${FORMAT}/${TOOL_VERSION}/${version}`;
}

/**
 * Layout (little-endian): u32 magic, u32 n, u32 flags (1: scores), u32 0; f64[n] sample ids, image
 * ids, and scores when flagged; i32[n] UTF-16 lengths of the file names, i32[n] of the queries (-1:
 * null); then every name and query as one UTF-8 text.
 */
export function encodeScoreList(c: SampleListColumns & { scores?: Float64Array }): Buffer {
  return encodeColumns(c.sampleIds, c.imageIds, c.scores, namesText(c));
}

/** A sample list's bytes: encodeScoreList without scores, whatever else `c` carries. */
export function encodeSampleList(c: SampleListColumns): Buffer {
  return encodeColumns(c.sampleIds, c.imageIds, undefined, namesText(c));
}

function encodeColumns(sampleIds: Float64Array, imageIds: Float64Array, scores: Float64Array | undefined, names: NamesText): Buffer {
  const n = sampleIds.length;
  const columns = [sampleIds, imageIds, ...(scores === undefined ? [] : [scores]), names.nameLengths, names.queryLengths];
  let bytes = HEAD;
  for (const col of columns) bytes += col.byteLength;
  const out = Buffer.allocUnsafe(bytes + names.text.length);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(n, 4);
  out.writeUInt32LE(scores === undefined ? 0 : HAS_SCORES, 8);
  out.writeUInt32LE(0, 12);
  let at = HEAD;
  for (const col of columns) {
    out.set(new Uint8Array(col.buffer, col.byteOffset, col.byteLength), at);
    at += col.byteLength;
  }
  out.set(names.text, at);
  return out;
}

interface NamesText {
  nameLengths: Int32Array;
  queryLengths: Int32Array;
  /** Every name and query, in row order, as one UTF-8 text. */
  text: Uint8Array;
}

/**
 * The names part of the layout. Columns whose names are kept as the bytes they were read from (a
 * listing, a kept list) reuse those bytes as they are: encoding 100k names again took ~25-55 ms, a
 * third of a fresh engine's first sort with the sample list kept.
 */
function namesText(c: SampleListColumns): NamesText {
  const bytes = namesAsBytes(c);
  if (bytes !== undefined) return bytes;
  const { fileNames, queries } = c;
  const n = fileNames.length;
  const nameLengths = new Int32Array(n);
  const queryLengths = new Int32Array(n);
  const parts: string[] = new Array(2 * n);
  for (let k = 0; k < n; k++) {
    const name = fileNames[k]!;
    const query = queries[k] ?? null;
    nameLengths[k] = name.length;
    queryLengths[k] = query === null ? -1 : query.length;
    parts[2 * k] = name;
    parts[2 * k + 1] = query ?? '';
  }
  return { nameLengths, queryLengths, text: Buffer.from(parts.join(''), 'utf8') };
}

/**
 * Names kept as UTF-8 bytes (a listing's text, a kept list's), decoded into strings only when read.
 * A read worker never reads them: it sends the bytes on (readWorker/worker.ts) and keeps them as they
 * are, so a fresh listing of 100k names costs no strings there (~25-30 ms of a first score sort).
 */
interface NamesBytes extends NamesText {
  decoded?: { fileNames: string[]; queries: Array<string | null> } | null;
}

/** Columns whose names are bytes until read, and the name lists decoded from such bytes. */
const bytesOfColumns = new WeakMap<object, NamesBytes>();
const bytesOfNames = new WeakMap<readonly string[], { names: NamesBytes; queries: ReadonlyArray<string | null> }>();

/** The bytes that stand for the columns' names and queries, if they were read as bytes and not changed since. */
function namesAsBytes(c: SampleListColumns): NamesBytes | undefined {
  const direct = bytesOfColumns.get(c);
  if (direct !== undefined) return direct;
  // A spread of such columns (`{ ...listed, scores }`) carries the decoded lists, which lead back to the bytes.
  const kept = bytesOfNames.get(c.fileNames);
  return kept !== undefined && kept.queries === c.queries ? kept.names : undefined;
}

/** Whether the columns' names are kept as bytes (the read worker then sends them as bytes, not cloned strings). */
export function namedByBytes(c: SampleListColumns): boolean {
  return namesAsBytes(c) !== undefined;
}

/**
 * Columns with names as bytes, decoded on first read of `fileNames` or `queries` (frozen then: the
 * bytes stand for them when encoded again). `names` must be valid UTF-8 whose lengths count UTF-16 units.
 */
function columnsNamedByBytes<T extends object>(
  numbers: T,
  names: NamesBytes,
): T & { readonly fileNames: string[]; readonly queries: Array<string | null> } {
  const decoded = (): { fileNames: string[]; queries: Array<string | null> } => {
    if (names.decoded == null) {
      const lists = decodeNamesText(names);
      Object.freeze(lists.fileNames);
      Object.freeze(lists.queries);
      bytesOfNames.set(lists.fileNames, { names, queries: lists.queries });
      names.decoded = lists;
    }
    return names.decoded;
  };
  const columns = Object.defineProperties(numbers, {
    fileNames: { get: () => decoded().fileNames, enumerable: true },
    queries: { get: () => decoded().queries, enumerable: true },
  }) as T & { readonly fileNames: string[]; readonly queries: Array<string | null> };
  bytesOfColumns.set(columns, names);
  return columns;
}

/** The score list of sample-list columns and scores; names kept as bytes stay bytes (a spread would decode them). */
export function withScores(samples: SampleListColumns, scores: Float64Array): ScoreListColumns {
  const names = bytesOfColumns.get(samples);
  if (names === undefined) return { ...samples, scores };
  return columnsNamedByBytes({ sampleIds: samples.sampleIds, imageIds: samples.imageIds, scores }, names);
}

/** Names and queries of a names text whose lengths cut it exactly (namesFitText). */
function decodeNamesText(names: NamesText): { fileNames: string[]; queries: Array<string | null> } {
  const { nameLengths, queryLengths, text: bytes } = names;
  const n = nameLengths.length;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const fileNames: string[] = new Array(n);
  const queries: Array<string | null> = new Array(n);
  let at = 0;
  for (let k = 0; k < n; k++) {
    fileNames[k] = text.slice(at, (at += nameLengths[k]!));
    const queryLength = queryLengths[k]!;
    queries[k] = queryLength < 0 ? null : text.slice(at, (at += queryLength));
  }
  return { fileNames, queries };
}

const HEAD = 16;

/**
 * The columns of an encoded score list; null when the bytes are not one (a check, never expected to
 * fail). `kept`: the columns may be kept and encoded again (their name lists are frozen and reuse these
 * bytes); false for columns used once (the engine's thread answering a read worker's reply), whose
 * name lists a caller may take over as they are.
 */
export function decodeScoreList(blob: Uint8Array, kept = true): ScoreListColumns | null {
  const list = decodeList(blob, kept);
  return list === null || list.scores === undefined ? null : (list as ScoreListColumns);
}

/** The columns of an encoded sample list (no scores); null when the bytes are not one. `kept`: as decodeScoreList's. */
export function decodeSampleList(blob: Uint8Array, kept = true): SampleListColumns | null {
  const list = decodeList(blob, kept);
  return list === null || list.scores !== undefined ? null : list;
}

/**
 * Columns of a sample list whose file names SQLite gave as one UTF-8 text, each name followed by a
 * NUL byte (`CAST(group_concat(file_name, char(0)) || char(0) AS BLOB)`), and no queries: the same
 * columns decodeSampleList makes of a kept list, names kept as bytes (a fresh listing is then moved to
 * the engine's thread as one buffer, not cloned string by string: ~50 ms of a fresh engine's first
 * score sort at 100k images, and no strings are made in the read worker). Null when the text does not
 * hold exactly one name per id (a name with a NUL in it) or is not UTF-8: the caller lists them another way.
 */
export function sampleListOfNameText(sampleIds: Float64Array, imageIds: Float64Array, named: Uint8Array): SampleListColumns | null {
  const n = sampleIds.length;
  if (imageIds.length !== n || !isUtf8(named)) return null;
  const nameLengths = new Int32Array(n);
  const text = new Uint8Array(named.length - n > 0 ? named.length - n : 0);
  let row = 0;
  let units = 0;
  let out = 0;
  for (let at = 0; at < named.length; at++) {
    const b = named[at]!;
    if (b === 0) {
      if (row === n) return null;
      nameLengths[row++] = units;
      units = 0;
      continue;
    }
    if (out === text.length) return null;
    text[out++] = b;
    // UTF-16 units of the name (valid UTF-8): one per byte that is not a continuation byte, two from 4-byte leads.
    if ((b & 0xc0) !== 0x80) units += b >= 0xf0 ? 2 : 1;
  }
  if (row !== n || units !== 0 || out !== text.length) return null;
  return columnsNamedByBytes({ sampleIds, imageIds }, { nameLengths, queryLengths: new Int32Array(n).fill(-1), text });
}

/**
 * The columns of an encoded list; null when the bytes are not one. `kept` (the columns may be kept and
 * encoded again): their names stay bytes until read (columnsNamedByBytes); else they are decoded now,
 * in lists a caller may take over.
 */
function decodeList(blob: Uint8Array, kept = true): (SampleListColumns & { scores?: Float64Array }) | null {
  if (blob.length < HEAD) return null;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (view.getUint32(0, true) !== MAGIC) return null;
  const n = view.getUint32(4, true);
  const flags = view.getUint32(8, true);
  if ((flags & ~HAS_SCORES) !== 0) return null;
  const f64 = flags & HAS_SCORES ? 3 : 2;
  const textAt = HEAD + (8 * f64 + 8) * n;
  if (blob.length < textAt) return null;
  // One aligned copy of the fixed-width part (a blob's bytes need not start on an 8-byte boundary).
  const fixed = blob.buffer.slice(blob.byteOffset + HEAD, blob.byteOffset + textAt);
  const sampleIds = new Float64Array(fixed, 0, n);
  const imageIds = new Float64Array(fixed, 8 * n, n);
  const scores = f64 === 3 ? new Float64Array(fixed, 16 * n, n) : undefined;
  const names: NamesBytes = {
    nameLengths: new Int32Array(fixed, 8 * f64 * n, n),
    queryLengths: new Int32Array(fixed, (8 * f64 + 4) * n, n),
    text: blob.subarray(textAt),
  };
  if (!namesFitText(names)) return null;
  const numbers = scores === undefined ? { sampleIds, imageIds } : { sampleIds, imageIds, scores };
  if (kept) return columnsNamedByBytes(numbers, names);
  return { ...numbers, ...decodeNamesText(names) };
}

/** Whether the lengths cut the text exactly: valid UTF-8 whose UTF-16 units the lengths add up to. */
function namesFitText(names: NamesText): boolean {
  const { nameLengths, queryLengths, text } = names;
  if (!isUtf8(text)) return false;
  let units = 0;
  for (let k = 0; k < nameLengths.length; k++) {
    const nameLength = nameLengths[k]!;
    const queryLength = queryLengths[k]!;
    if (nameLength < 0 || queryLength < -1) return false;
    units += nameLength + (queryLength < 0 ? 0 : queryLength);
  }
  let textUnits = 0;
  for (let at = 0; at < text.length; at++) {
    const b = text[at]!;
    if ((b & 0xc0) !== 0x80) textUnits += b >= 0xf0 ? 2 : 1;
  }
  return units === textUnits;
}

/** The kept list of the dataset's per-image scores under `run` at score-input `version`, if there is one. */
export function readScoreSnapshot(db: Db, datasetId: number, runId: number, version: string): ScoreListColumns | null {
  const blob = db
    .prepare('SELECT payload FROM score_snapshots WHERE dataset_id = ? AND run_id = ? AND version = ?')
    .pluck()
    .get(datasetId, runId, snapshotVersion(version)) as Buffer | undefined;
  return blob === undefined ? null : decodeScoreList(blob);
}

/** Keeps a list (replacing the run's older one) and drops all but the KEPT_SNAPSHOTS most recent. */
export function writeScoreSnapshot(db: Db, datasetId: number, runId: number, version: string, columns: ScoreListColumns): void {
  const payload = encodeScoreList(columns);
  db.transaction(() => {
    db.prepare(
      `INSERT INTO score_snapshots (dataset_id, run_id, version, payload, written) VALUES (?, ?, ?, ?,
         (SELECT COALESCE(MAX(written), 0) + 1 FROM score_snapshots))
       ON CONFLICT (dataset_id, run_id) DO UPDATE SET version = excluded.version, payload = excluded.payload, written = excluded.written`,
    ).run(datasetId, runId, snapshotVersion(version), payload);
    db.prepare('DELETE FROM score_snapshots WHERE rowid NOT IN (SELECT rowid FROM score_snapshots ORDER BY written DESC LIMIT ?)').run(
      KEPT_SNAPSHOTS,
    );
  })();
}

/** The kept list of a dataset's scored samples for `task` at sample-set `version` ('samples' clock), if there is one. */
export function readSampleListSnapshot(db: Db, datasetId: number, task: string, version: string): SampleListColumns | null {
  const blob = db
    .prepare('SELECT payload FROM sample_list_snapshots WHERE dataset_id = ? AND version = ?')
    .pluck()
    .get(datasetId, snapshotVersion(`${task}/${version}`)) as Buffer | undefined;
  return blob === undefined ? null : decodeSampleList(blob);
}

/** Keeps a dataset's list of scored samples (one per dataset: it replaces the older one). */
export function writeSampleListSnapshot(db: Db, datasetId: number, task: string, version: string, columns: SampleListColumns): void {
  db.prepare(
    `INSERT INTO sample_list_snapshots (dataset_id, version, payload) VALUES (?, ?, ?)
     ON CONFLICT (dataset_id) DO UPDATE SET version = excluded.version, payload = excluded.payload`,
  ).run(datasetId, snapshotVersion(`${task}/${version}`), encodeSampleList(columns));
}
