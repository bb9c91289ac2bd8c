/**
 * The files an ONNX model keeps its weights in besides the .onnx itself ("external data": every
 * export over 2 GB, e.g. a SAM ViT-H encoder, and any saved with `save_as_external_data`). A model's
 * identity (its sha256, the cache key of its outputs, a run's provenance) must cover them: with the
 * .onnx alone, new weights written into the same data file were served from the cache as the old
 * model's outputs (QA probe D2).
 *
 * Read from the protobuf directly (onnxruntime does not list them): every TensorProto of the graph
 * (initializers, sparse initializers, Constant and other node attributes, subgraphs of If/Loop/Scan,
 * model-local functions) whose `external_data` names a `location`. The file is walked by position,
 * reading only field headers and the messages descended into, so a 2 GB model with its weights
 * inside is never loaded whole (their raw_data is skipped). Field numbers are onnx.proto3's.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const MODEL_GRAPH = 7;
const MODEL_FUNCTIONS = 25;
const FUNCTION_NODE = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_SPARSE_INITIALIZER = 15;
const NODE_ATTRIBUTE = 5;
/** AttributeProto.t, .g, .tensors, .graphs, .sparse_tensor, .sparse_tensors. */
const ATTR_TENSORS = new Set([5, 10]);
const ATTR_GRAPHS = new Set([6, 11]);
const ATTR_SPARSE = new Set([22, 23]);
/** SparseTensorProto.values, .indices: TensorProtos. */
const SPARSE_PARTS = new Set([1, 2]);
/** TensorProto.external_data: StringStringEntryProto (key 1, value 2). */
const TENSOR_EXTERNAL_DATA = 13;

/** Bytes by position: a file read in windows, or bytes in memory (tests). */
export interface ProtoSource {
  readonly size: number;
  read(start: number, end: number): Uint8Array;
}

/** A field of a message: its number, and for a length-delimited one where its payload lies. */
interface Field {
  number: number;
  start: number;
  end: number;
  delimited: boolean;
}

function* fields(src: ProtoSource, start: number, end: number): Generator<Field> {
  let at = start;
  const varint = (): number => {
    const head = src.read(at, Math.min(end, at + 10));
    let value = 0;
    let scale = 1;
    for (let i = 0; i < head.length; i++) {
      const b = head[i]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        at += i + 1;
        return value;
      }
      scale *= 128;
    }
    throw new Error('a varint runs past its message (not an ONNX protobuf, or truncated)');
  };
  while (at < end) {
    const key = varint();
    const number = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) varint();
    else if (wire === 1 || wire === 5) at += wire === 1 ? 8 : 4;
    else if (wire === 2) {
      const length = varint();
      if (at + length > end) throw new Error('a field runs past its message (not an ONNX protobuf, or truncated)');
      yield { number, start: at, end: at + length, delimited: true };
      at += length;
      continue;
    } else throw new Error(`protobuf wire type ${wire} (not an ONNX protobuf)`);
    if (at > end) throw new Error('a field runs past its message (not an ONNX protobuf, or truncated)');
    yield { number, start: at, end: at, delimited: false };
  }
}

const text = new TextDecoder('utf-8', { fatal: true });

function tensorLocation(src: ProtoSource, tensor: Field, into: Set<string>): void {
  for (const entry of fields(src, tensor.start, tensor.end)) {
    if (entry.number !== TENSOR_EXTERNAL_DATA || !entry.delimited) continue;
    let key: string | null = null;
    let value: string | null = null;
    for (const f of fields(src, entry.start, entry.end)) {
      if (!f.delimited) continue;
      if (f.number === 1) key = text.decode(src.read(f.start, f.end));
      if (f.number === 2) value = text.decode(src.read(f.start, f.end));
    }
    if (key === 'location' && value !== null) into.add(value);
  }
}

function sparseLocations(src: ProtoSource, sparse: Field, into: Set<string>): void {
  for (const f of fields(src, sparse.start, sparse.end)) if (f.delimited && SPARSE_PARTS.has(f.number)) tensorLocation(src, f, into);
}

function nodeLocations(src: ProtoSource, node: Field, into: Set<string>, depth: number): void {
  for (const attr of fields(src, node.start, node.end)) {
    if (attr.number !== NODE_ATTRIBUTE || !attr.delimited) continue;
    for (const f of fields(src, attr.start, attr.end)) {
      if (!f.delimited) continue;
      if (ATTR_TENSORS.has(f.number)) tensorLocation(src, f, into);
      else if (ATTR_SPARSE.has(f.number)) sparseLocations(src, f, into);
      else if (ATTR_GRAPHS.has(f.number)) graphLocations(src, f, into, depth + 1);
    }
  }
}

function graphLocations(src: ProtoSource, graph: Field, into: Set<string>, depth: number): void {
  if (depth > 64) throw new Error('subgraphs nested more than 64 deep');
  for (const f of fields(src, graph.start, graph.end)) {
    if (!f.delimited) continue;
    if (f.number === GRAPH_INITIALIZER) tensorLocation(src, f, into);
    else if (f.number === GRAPH_SPARSE_INITIALIZER) sparseLocations(src, f, into);
    else if (f.number === GRAPH_NODE) nodeLocations(src, f, into, depth);
  }
}

/**
 * The external-data locations a model names (as written: relative to the model's folder), sorted and
 * without repeats; empty for a model that holds its weights itself. Throws on bytes that are not a
 * well-formed protobuf.
 */
export function externalDataLocations(src: ProtoSource): string[] {
  const found = new Set<string>();
  for (const f of fields(src, 0, src.size)) {
    if (!f.delimited) continue;
    if (f.number === MODEL_GRAPH) graphLocations(src, f, found, 0);
    else if (f.number === MODEL_FUNCTIONS)
      for (const node of fields(src, f.start, f.end))
        if (node.number === FUNCTION_NODE && node.delimited) nodeLocations(src, node, found, 1);
  }
  return [...found].sort();
}

export function bytesSource(bytes: Uint8Array): ProtoSource {
  return { size: bytes.length, read: (start, end) => bytes.subarray(start, end) };
}

const WINDOW = 1 << 16;

/** The external-data locations of the model file at `path` (read in 64 KiB windows, never whole). */
export function externalDataOfFile(path: string, size: number): string[] {
  const fd = openSync(path, 'r');
  try {
    let windowStart = 0;
    let window = new Uint8Array(0);
    const src: ProtoSource = {
      size,
      read(start, end) {
        if (start >= windowStart && end <= windowStart + window.length) return window.subarray(start - windowStart, end - windowStart);
        const length = Math.max(end - start, Math.min(WINDOW, size - start));
        const buf = new Uint8Array(length);
        const got = readSync(fd, buf, 0, length, start);
        windowStart = start;
        window = buf.subarray(0, got);
        if (got < end - start) throw new Error('the file ends inside a field (truncated)');
        return window.subarray(0, end - start);
      },
    };
    return externalDataLocations(src);
  } finally {
    closeSync(fd);
  }
}
