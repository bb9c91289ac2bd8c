import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { jsonParser } from 'stream-json/core/parser.js';
import { ApiError } from '../../../shared/api/errors';

/** Called with each element of a streamed array and its index in that array. */
export type ElementHandler = (value: unknown, index: number) => void;

export interface StreamOptions {
  /** Handlers by top-level key; the key '' takes the elements of a top-level array. */
  arrays: Record<string, ElementHandler>;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** The name used in error messages (default: the file's path). */
  label?: string;
}

type Container = unknown[] | Record<string, unknown>;
type Token = { name: string; value?: unknown };

/**
 * Streams a JSON file and hands over the elements of chosen top-level arrays one at a time, so a
 * COCO instances file of any size costs memory for one annotation, never for the whole document.
 * Values outside the chosen arrays are tokenized and dropped. Uses stream-json's tokenizer with
 * packed values (one token per string/number) and a small assembler of our own (values are built
 * as JSON.parse would, minus `__proto__` keys). Malformed or truncated JSON is an ApiError naming
 * the file and the byte where reading stopped. Returns the top-level keys seen.
 */
export async function streamJsonArrays(file: string, opts: StreamOptions): Promise<Set<string>> {
  const label = opts.label ?? file;
  const total = (await stat(file)).size;
  const tokenize = jsonParser({ packValues: true, streamValues: false });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const keys = new Set<string>();

  let depth = 0;
  let top: 'object' | 'array' | 'value' | null = null;
  let topKey: string | null = null;
  let handler: ElementHandler | null = null;
  let index = 0;
  /** Depth at which the elements of the array being handed over live (1: top-level array, 2: keyed). */
  let elementDepth = 0;
  const stack: Container[] = [];
  const keyStack: Array<string | null> = [];
  let key: string | null = null;
  let closed = false;

  const deliver = (value: unknown): void => {
    if (stack.length === 0) {
      (handler as ElementHandler)(value, index++);
      return;
    }
    const parent = stack[stack.length - 1] as Container;
    if (Array.isArray(parent)) parent.push(value);
    else if (key !== null && key !== '__proto__') parent[key] = value;
  };
  const building = (): boolean => handler !== null && depth >= elementDepth;

  const onToken = (t: Token): void => {
    switch (t.name) {
      case 'startObject':
      case 'startArray': {
        const isArray = t.name === 'startArray';
        if (depth === 0) {
          top = isArray ? 'array' : 'object';
          if (isArray) handler = opts.arrays[''] ?? null;
          elementDepth = 1;
        } else if (depth === 1 && top === 'object' && isArray && topKey !== null && opts.arrays[topKey] !== undefined) {
          handler = opts.arrays[topKey] ?? null;
          index = 0;
          elementDepth = 2;
        } else if (building()) {
          keyStack.push(key);
          stack.push(isArray ? [] : {});
          key = null;
        }
        depth++;
        return;
      }
      case 'endObject':
      case 'endArray': {
        depth--;
        if (depth === 0) closed = true;
        if (handler !== null && depth === elementDepth - 1 && stack.length === 0) {
          handler = null; // the chosen array (or the top-level array) ends
        } else if (handler !== null && stack.length > 0) {
          const value = stack.pop() as Container;
          key = keyStack.pop() ?? null;
          deliver(value);
        }
        if (depth === 0) handler = null;
        return;
      }
      case 'keyValue':
        if (depth === 1 && top === 'object') {
          topKey = t.value as string;
          keys.add(topKey);
        } else if (building()) key = t.value as string;
        return;
      default: {
        if (depth === 0) {
          top = 'value';
          closed = true;
          return;
        }
        if (!building()) return;
        const v =
          t.name === 'numberValue'
            ? Number(t.value)
            : t.name === 'stringValue'
              ? t.value
              : t.name === 'nullValue'
                ? null
                : t.name === 'trueValue'
                  ? true
                  : t.name === 'falseValue'
                    ? false
                    : undefined;
        if (v !== undefined) deliver(v);
      }
    }
  };

  let read = 0;
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      opts.signal?.throwIfAborted();
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw new ApiError('CORRUPT_FILE', `${label}: not UTF-8 text (near byte ${read})`, { file: label });
      }
      read += chunk.length;
      let tokens: unknown;
      try {
        tokens = tokenize(text);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        throw new ApiError('CORRUPT_FILE', `${label}: malformed JSON before byte ${read}: ${why}`, { file: label });
      }
      const list = (tokens as { values?: Token[] }).values;
      if (list !== undefined) for (const t of list) onToken(t);
      opts.onProgress?.(read, total);
    }
  } finally {
    stream.destroy();
  }
  if (!closed || depth !== 0) {
    throw new ApiError(
      'CORRUPT_FILE',
      `${label}: truncated JSON: the file ends after ${read} bytes inside an unfinished ${depth > 1 ? 'array or object' : 'document'}`,
      {
        file: label,
      },
    );
  }
  if (top !== 'object' && opts.arrays[''] === undefined) {
    throw new ApiError(
      'INVALID_INPUT',
      `${label}: expected a JSON object at the top level, found ${top === 'array' ? 'an array' : 'a single value'}`,
      { file: label },
    );
  }
  if (top !== 'array' && opts.arrays[''] !== undefined && Object.keys(opts.arrays).length === 1) {
    throw new ApiError('INVALID_INPUT', `${label}: expected a JSON array at the top level`, { file: label });
  }
  return keys;
}
