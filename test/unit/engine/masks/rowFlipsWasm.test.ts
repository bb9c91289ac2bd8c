import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { columnToggles } from '../../../../src/main/engine/masks/rleCodec';
import { labelMapToRles } from '../../../../src/main/engine/masks/labelMap';
import { encodeMask } from '../../../../src/main/engine/masks/rle';
import { setRowFlipsWasm } from '../../../../src/main/engine/masks/wasm/kernels';
import { ROW_FLIPS_WASM } from '../../../../src/main/engine/masks/wasm/rowFlipsWasm';
import { seededRandom } from './golden';
// @ts-expect-error tools/build-wasm.mjs is plain JavaScript without types
import { assemble, WASM_SOURCES } from '../../../../tools/build-wasm.mjs';

// The WebAssembly row-flip kernel must find the JavaScript's flips, in the same order, and give up
// (noise: the plain column walk) exactly where the JavaScript does.

const ROOT = join(__dirname, '..', '..', '..', '..');

afterEach(() => setRowFlipsWasm(true));

function bothWays<T>(f: () => T): { js: T; wasm: T } {
  setRowFlipsWasm(false);
  const js = f();
  setRowFlipsWasm(true);
  return { js, wasm: f() };
}

/** columnToggles as plain arrays (its arrays are reused scratch). */
function toggles(image: Uint8Array, height: number, width: number, exact: boolean): { ends: number[]; rows: number[] } | null {
  const t = columnToggles(image, height, width, exact);
  return t === null ? null : { ends: Array.from(t.ends.subarray(0, width + 1)), rows: Array.from(t.rows.subarray(0, t.count)) };
}

type Texture = 'flat' | 'blocks' | 'stripes' | 'noise' | 'sparse';

/** A label map of values 0, 1, 2 and 255 (1 against 2 is a flip only when exact). */
function image(texture: Texture, height: number, width: number, seed: number, density = 0.5): Uint8Array {
  const rand = seededRandom(seed);
  const values = [0, 1, 2, 255];
  const out = new Uint8Array(height * width);
  const bx = 1 + Math.floor(rand() * 40);
  const by = 1 + Math.floor(rand() * 40);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v: number;
      switch (texture) {
        case 'flat':
          v = 2;
          break;
        case 'blocks':
          v = values[(Math.floor(x / bx) * 7 + Math.floor(y / by) * 3) % 4]!;
          break;
        case 'stripes':
          v = values[Math.floor(y / by) % 4]!;
          break;
        case 'noise':
          v = rand() < density ? values[Math.floor(rand() * 4)]! : 0;
          break;
        case 'sparse':
          v = rand() < 0.002 ? 1 : 0;
          break;
      }
      out[y * width + x] = v;
    }
  }
  return out;
}

describe('the assembled row-flip module', () => {
  it('is what tools/build-wasm.mjs makes of rowFlips.wat today (run `npm run build:wasm` after editing it)', async () => {
    const entry = (WASM_SOURCES as Array<{ wat: string; module: string; name: string }>).find((s) => s.name === 'ROW_FLIPS_WASM')!;
    const bytes = (await assemble(join(ROOT, entry.wat))) as Buffer;
    expect(bytes.toString('base64')).toBe(ROW_FLIPS_WASM);
    expect(readFileSync(join(ROOT, entry.module), 'utf8')).toContain(ROW_FLIPS_WASM);
  });
});

describe('columnToggles with the WebAssembly kernel', () => {
  const sizes: Array<[number, number]> = [
    [1, 1],
    [1, 40],
    [40, 1],
    [2, 2],
    [2, 16],
    [3, 17],
    [17, 13],
    [16, 16],
    [31, 33],
    [375, 500],
    [500, 375],
    [64, 1],
  ];
  const textures: Texture[] = ['flat', 'blocks', 'stripes', 'noise', 'sparse'];
  for (const exact of [true, false]) {
    it(`finds the JavaScript's flips in every size and texture (${exact ? 'exact' : 'foreground only'})`, () => {
      let compared = 0;
      sizes.forEach(([h, w], k) => {
        textures.forEach((texture, j) => {
          const img = image(texture, h, w, 10 * k + j, 0.05);
          const { js, wasm } = bothWays(() => toggles(img, h, w, exact));
          expect(wasm, `${texture} ${h}x${w}`).toEqual(js);
          if (js !== null && js.rows.length > 0) compared++;
        });
      });
      expect(compared).toBeGreaterThan(20);
    });
  }

  it('gives up (null) exactly where the JavaScript does, around the limit', () => {
    // Noise of rising density crosses MAX_TOGGLE_FRACTION of the pixels somewhere in between.
    const outcomes = new Set<string>();
    for (let d = 0; d <= 60; d++) {
      const [h, w] = [97, 131];
      const img = image('noise', h, w, 500 + d, d / 200);
      for (const exact of [true, false]) {
        const { js, wasm } = bothWays(() => toggles(img, h, w, exact));
        expect(wasm, `density ${d / 200}, exact ${exact}`).toEqual(js);
        outcomes.add(js === null ? 'null' : 'toggles');
      }
    }
    expect([...outcomes].sort()).toEqual(['null', 'toggles']);
  });

  it('keeps a count that reaches the limit exactly, and gives up one past it, as the JavaScript does', () => {
    // Two rows: the flips are the pixels of row 1 that differ from row 0. The limit is
    // floor(0.2 * area) + 4 = 84 for 2 x 200; the count is checked after each 16-pixel step.
    const [h, w] = [2, 200];
    const limit = Math.floor(0.2 * h * w) + 4;
    for (const n of [limit - 1, limit, limit + 1, limit + 16]) {
      const img = new Uint8Array(h * w);
      for (let x = 0; x < n; x++) img[w + x] = 1;
      for (const exact of [true, false]) {
        const { js, wasm } = bothWays(() => toggles(img, h, w, exact));
        expect(wasm, `${n} flips`).toEqual(js);
        expect(js === null, `${n} flips`).toBe(n > limit);
      }
    }
  });

  it('gives labelMapToRles and encodeMask the same RLE strings', () => {
    for (const [k, texture] of (['blocks', 'stripes', 'noise', 'sparse'] as Texture[]).entries()) {
      const [h, w] = [375, 500];
      const img = image(texture, h, w, 900 + k, 0.02);
      const { js, wasm } = bothWays(() => ({
        labels: labelMapToRles(img, h, w).map((p) => `${p.classIdx}:${p.area}:${p.rle.counts}`),
        mask: encodeMask(img, h, w).counts,
      }));
      expect(wasm).toEqual(js);
    }
  });
});
