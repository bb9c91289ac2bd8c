import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamJsonArrays } from '../../../../src/main/engine/datasets/jsonStream';

const dir = mkdtempSync(join(tmpdir(), 'tessera-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('streamJsonArrays', () => {
  it('hands over the elements of the chosen top-level arrays exactly as JSON.parse builds them', async () => {
    const doc = {
      info: { skip: [1, { deep: true }] },
      images: [{ id: 1, s: 'é\u2603"\\', n: [-1.5e3, 0, null, true, false, [], {}] }, 7, 'x'],
      other: [1, 2],
      annotations: [],
    };
    const got: Record<string, unknown[]> = { images: [], annotations: [] };
    const keys = await streamJsonArrays(file('a.json', JSON.stringify(doc, null, 2)), {
      arrays: { images: (v) => got['images']?.push(v), annotations: (v) => got['annotations']?.push(v) },
    });
    expect(got).toEqual({ images: doc.images, annotations: [] });
    expect([...keys]).toEqual(['info', 'images', 'other', 'annotations']);
  });

  it('streams a top-level array and drops __proto__ keys', async () => {
    const got: unknown[] = [];
    await streamJsonArrays(file('b.json', '[{"a":1,"__proto__":{"polluted":1}},[2,[3]]]'), { arrays: { '': (v) => got.push(v) } });
    expect(got).toEqual([{ a: 1 }, [2, [3]]]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('reports malformed, truncated and non-object input with the file name', async () => {
    const opts = { arrays: { images: () => undefined }, label: 'x.json' };
    await expect(streamJsonArrays(file('c.json', '{"images": [1, 2,, 3]}'), opts)).rejects.toThrow(
      /^x\.json: malformed JSON before byte 22/,
    );
    await expect(streamJsonArrays(file('d.json', '{"images": [1, 2'), opts)).rejects.toThrow(
      /^x\.json: truncated JSON: the file ends after 16 bytes/,
    );
    await expect(streamJsonArrays(file('e.json', '[1, 2]'), opts)).rejects.toThrow(
      /^x\.json: expected a JSON object at the top level, found an array$/,
    );
  });

  it('gives the same elements as JSON.parse for random documents read in chunks of any size', async () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pieces = ['a', 'é', '\u2603', '"', '\\', '\n', ']', '}', '[', '{', ',', ':', ' ', '\u{1F600}'];
    const str = (): string => Array.from({ length: Math.floor(rand() * 6) }, () => pieces[Math.floor(rand() * pieces.length)]).join('');
    const value = (d: number): unknown => {
      const r = rand();
      if (d > 3 || r < 0.3) return [1.5e-3, -7, 0, true, false, null, str()][Math.floor(rand() * 7)];
      if (r < 0.65) return Array.from({ length: Math.floor(rand() * 4) }, () => value(d + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rand() * 4) }, () => [str(), value(d + 1)]));
    };
    for (let n = 0; n < 60; n++) {
      const doc = { info: value(0), images: Array.from({ length: Math.floor(rand() * 5) }, () => value(1)), tail: value(0) };
      const text = rand() < 0.5 ? JSON.stringify(doc) : JSON.stringify(doc, null, 1);
      const path = file(`r${n}.json`, text);
      for (const chunkSize of [1, 2, 3, 7, 64]) {
        const got: unknown[] = [];
        await streamJsonArrays(path, { arrays: { images: (v) => got.push(v) }, chunkSize });
        expect(got, `doc ${n}, chunk ${chunkSize}`).toEqual(doc.images);
      }
      // Cut anywhere inside the document: always an error, never fewer elements in silence.
      const bytes = Buffer.from(text);
      const cut = 1 + Math.floor(rand() * (bytes.length - 2));
      const cutPath = join(dir, `cut${n}.json`);
      writeFileSync(cutPath, bytes.subarray(0, cut));
      await expect(
        streamJsonArrays(cutPath, { arrays: { images: () => undefined }, chunkSize: 5 }),
        `doc ${n} cut at ${cut}`,
      ).rejects.toThrow(/truncated JSON|malformed JSON|not UTF-8/);
    }
  });

  it('reads values far longer than a chunk (a 12 MB string inside and outside the wanted array) whole', async () => {
    const long = 'x'.repeat(6_000_000) + '\\"é' + 'y'.repeat(6_000_000);
    const doc = { info: { name: long, list: [long.slice(0, 100_000)] }, images: [{ file_name: long }, { id: 2 }], tail: [long] };
    const got: unknown[] = [];
    const keys = await streamJsonArrays(file('long.json', JSON.stringify(doc)), { arrays: { images: (v) => got.push(v) } });
    expect(got).toEqual(doc.images);
    expect([...keys]).toEqual(['info', 'images', 'tail']);
    // Cut inside the long string: still an error naming how far it got.
    const text = Buffer.from(JSON.stringify(doc));
    writeFileSync(join(dir, 'long-cut.json'), text.subarray(0, 9_000_000));
    await expect(streamJsonArrays(join(dir, 'long-cut.json'), { arrays: { images: () => undefined } })).rejects.toThrow(
      /truncated JSON: the file ends after 9000000 bytes/,
    );
  });
});
