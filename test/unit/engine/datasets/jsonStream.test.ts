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
});
