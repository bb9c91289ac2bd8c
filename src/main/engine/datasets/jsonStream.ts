import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ApiError } from '../../../shared/api/errors';
import { fieldName, jsonChar, jsonSyntaxError } from '../api/fileErrors';

/** Called with each element of a streamed array and its index in that array. */
export type ElementHandler = (value: unknown, index: number) => void;

export interface StreamOptions {
  /** Handlers by top-level key; the key '' takes the elements of a top-level array. */
  arrays: Record<string, ElementHandler>;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** The name used in error messages (default: the file's path). */
  label?: string;
  /** Read size in bytes (default 1 MiB); tests use tiny chunks to exercise every boundary. */
  chunkSize?: number;
}

const WS = new Set([0x20, 0x0a, 0x0d, 0x09]);

/** JSON.parse that drops `__proto__` keys (only when the text has one: a reviver costs time). */
function parseElement(text: string): unknown {
  if (!text.includes('__proto__')) return JSON.parse(text) as unknown;
  return JSON.parse(text, (k: string, v: unknown) => (k === '__proto__' ? undefined : v)) as unknown;
}

class NeedMore extends Error {}

/**
 * Streams a JSON file and hands over the elements of chosen top-level arrays one at a time, so a
 * COCO instances file of any size costs memory for one element, never for the whole document.
 * A small scanner finds where each element starts and ends (strings and escapes respected) and
 * JSON.parse builds it: about ten times faster than a token-by-token parser, same values (minus
 * `__proto__` keys). Values outside the chosen arrays are scanned and dropped. Malformed or
 * truncated JSON is an ApiError naming the file and how far reading got. Returns the top-level keys.
 */
export async function streamJsonArrays(file: string, opts: StreamOptions): Promise<Set<string>> {
  const label = opts.label ?? file;
  const total = (await stat(file)).size;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const keys = new Set<string>();
  let read = 0;
  const malformed = (why: string): ApiError =>
    new ApiError('CORRUPT_FILE', `${label}: malformed JSON before byte ${read}: ${why}`, { file: label });

  type State = 'start' | 'key-or-end' | 'colon' | 'value' | 'after-value' | 'elements' | 'after-element' | 'after-comma' | 'skip' | 'done';
  let state: State = 'start';
  let top: 'object' | 'array' | 'value' | null = null;
  let topKey: string | null = null;
  let handler: ElementHandler | null = null;
  let index = 0;
  let buf = '';
  let pos = 0;
  // Incremental extent scan of one value: where it started (-1: none), how far scanned, nesting, string state.
  let start = -1;
  let scan = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let eof = false;

  /** Skips whitespace; false at the true end of the file, NeedMore at the end of what was read. */
  const skipWs = (): boolean => {
    while (pos < buf.length && WS.has(buf.charCodeAt(pos))) pos++;
    if (pos < buf.length) return true;
    if (eof) return false;
    throw new NeedMore();
  };

  const beginValue = (): void => {
    start = pos;
    scan = pos;
  };

  /** Extends the scan of the value starting at `start` (which survives chunk boundaries); returns its end. */
  const valueEnd = (): number => {
    const first = buf.charCodeAt(start);
    if (first !== 0x7b && first !== 0x5b && first !== 0x22) {
      // A number or literal: up to the next delimiter.
      while (scan < buf.length) {
        const c = buf.charCodeAt(scan);
        if (c === 0x2c || c === 0x5d || c === 0x7d || c === 0x3a || WS.has(c)) return scan;
        scan++;
      }
      if (eof) return scan;
      throw new NeedMore();
    }
    if (scan === start) {
      scan = start + 1;
      depth = first === 0x22 ? 0 : 1;
      inString = first === 0x22;
      escaped = false;
    }
    while (scan < buf.length) {
      const c = buf.charCodeAt(scan++);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) {
          inString = false;
          if (depth === 0) return scan;
        }
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) return scan;
      }
    }
    throw new NeedMore();
  };

  const closeArray = (): void => {
    pos++;
    handler = null;
    state = top === 'array' ? 'done' : 'after-value';
  };

  const step = (): void => {
    switch (state) {
      case 'start': {
        if (!skipWs()) return;
        const c = buf[pos];
        if (c === '{') {
          top = 'object';
          pos++;
          state = 'key-or-end';
        } else if (c === '[') {
          top = 'array';
          handler = opts.arrays[''] ?? null;
          index = 0;
          pos++;
          state = 'elements';
        } else {
          top = 'value';
          beginValue();
          state = 'skip';
        }
        return;
      }
      case 'key-or-end': {
        if (start < 0) {
          if (!skipWs()) return;
          if (buf[pos] === '}' && keys.size === 0) {
            pos++;
            state = 'done';
            return;
          }
          if (buf[pos] !== '"') throw malformed(`expected a key, found ${jsonChar(buf[pos])}`);
          beginValue();
        }
        const end = valueEnd();
        topKey = JSON.parse(buf.slice(start, end)) as string;
        keys.add(topKey);
        pos = end;
        start = -1;
        state = 'colon';
        return;
      }
      case 'colon':
        if (!skipWs()) return;
        if (buf[pos] !== ':') throw malformed(`expected ":" after key ${fieldName(topKey)}`);
        pos++;
        state = 'value';
        return;
      case 'value': {
        if (!skipWs()) return;
        const wanted = topKey === null ? undefined : opts.arrays[topKey];
        if (wanted !== undefined && buf[pos] === '[') {
          handler = wanted;
          index = 0;
          pos++;
          state = 'elements';
        } else {
          beginValue();
          state = 'skip';
        }
        return;
      }
      case 'skip': {
        pos = valueEnd();
        start = -1;
        state = top === 'value' ? 'done' : 'after-value';
        return;
      }
      case 'after-value':
        if (!skipWs()) return;
        if (buf[pos] === ',') {
          pos++;
          state = 'key-or-end';
          // After a comma another key must follow.
          if (!skipWs()) return;
          if (buf[pos] !== '"') throw malformed(`expected a key after ",", found ${jsonChar(buf[pos])}`);
        } else if (buf[pos] === '}') {
          pos++;
          state = 'done';
        } else throw malformed(`expected "," or "}" after the value of ${fieldName(topKey)}`);
        return;
      case 'elements': {
        if (start < 0) {
          if (!skipWs()) return;
          if (buf[pos] === ']') return closeArray();
          if (buf[pos] === ',') throw malformed('unexpected ","');
          beginValue();
        }
        const end = valueEnd();
        let value: unknown;
        try {
          value = parseElement(buf.slice(start, end));
        } catch (err) {
          throw malformed(jsonSyntaxError(err));
        }
        if (handler !== null) handler(value, index++);
        pos = end;
        start = -1;
        state = 'after-element';
        return;
      }
      case 'after-element':
        if (!skipWs()) return;
        if (buf[pos] === ',') {
          pos++;
          state = 'after-comma';
        } else if (buf[pos] === ']') closeArray();
        else throw malformed(`expected "," or "]" between array elements, found ${jsonChar(buf[pos])}`);
        return;
      case 'after-comma':
        if (!skipWs()) return;
        if (buf[pos] === ']' || buf[pos] === ',') throw malformed(`unexpected ${jsonChar(buf[pos])} after ","`);
        state = 'elements';
        return;
      case 'done':
        if (skipWs()) throw malformed('unexpected data after the end of the document');
        return;
    }
  };

  const run = (): void => {
    for (;;) {
      const before = `${state}:${pos}:${start}`;
      try {
        step();
      } catch (err) {
        if (err instanceof NeedMore) break;
        throw err;
      }
      if (`${state}:${pos}:${start}` === before) break;
    }
    // Keep only what is still needed: the value being scanned, else the unread rest.
    const keep = start >= 0 ? Math.min(start, pos) : pos;
    if (keep > 0) {
      buf = buf.slice(keep);
      pos -= keep;
      if (start >= 0) {
        start -= keep;
        scan -= keep;
      }
    }
  };

  const stream = createReadStream(file, { highWaterMark: opts.chunkSize ?? 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      opts.signal?.throwIfAborted();
      try {
        buf += decoder.decode(chunk, { stream: true });
      } catch {
        throw new ApiError('CORRUPT_FILE', `${label}: not UTF-8 text (near byte ${read})`, { file: label });
      }
      read += chunk.length;
      run();
      opts.onProgress?.(read, total);
    }
    eof = true;
    run();
  } finally {
    stream.destroy();
  }
  // `state` changes inside the closures above; TypeScript's narrowing cannot see that.
  const finalState = state as State;
  if (finalState !== 'done') {
    throw new ApiError(
      'CORRUPT_FILE',
      `${label}: truncated JSON: the file ends after ${read} bytes inside an unfinished ${finalState === 'start' ? 'document' : 'array or object'}`,
      {
        file: label,
      },
    );
  }
  const finalTop = top as 'object' | 'array' | 'value' | null;
  if (finalTop !== 'object' && opts.arrays[''] === undefined) {
    throw new ApiError(
      'INVALID_INPUT',
      `${label}: expected a JSON object at the top level, found ${finalTop === 'array' ? 'an array' : 'a single value'}`,
      {
        file: label,
      },
    );
  }
  if (finalTop !== 'array' && opts.arrays[''] !== undefined && Object.keys(opts.arrays).length === 1) {
    throw new ApiError('INVALID_INPUT', `${label}: expected a JSON array at the top level`, { file: label });
  }
  return keys;
}
