import { deflateSync } from 'node:zlib';
import { decode, encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { greyLevels, readMaskPng, writeGreyPng, writePalettePng } from '../../../../src/main/engine/masks/png';
import { randomInt, seededRandom } from './golden';
import { pngChunk } from '../../../helpers/pngChunks';

const VOC_LIKE: Array<[number, number, number]> = [
  [0, 0, 0],
  [128, 0, 0],
  [0, 128, 0],
];

/** Packs one sample per pixel into rows of `depth` bits, as PNG stores sub-byte pixels. */
function pack(values: number[], width: number, height: number, depth: number): Uint8Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      out[y * rowBytes + (bit >> 3)]! |= (values[y * width + x] as number) << (8 - depth - (bit & 7));
    }
  }
  return out;
}

const chunk = pngChunk;

/**
 * An 8-bit one-channel PNG whose row y is stored with filter filters[y % filters.length] (PNG spec
 * section 9: Sub, Up, Average, Paeth as encoders such as libpng and PIL choose them), its data in
 * `idatParts` IDAT chunks.
 */
function filteredPng(values: Uint8Array, width: number, height: number, colorType: 0 | 3, filters: number[], idatParts = 1): Buffer {
  const raw = new Uint8Array((width + 1) * height);
  const at = (x: number, y: number): number => (x < 0 || y < 0 ? 0 : values[y * width + x]!);
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length]!;
    raw[y * (width + 1)] = f;
    for (let x = 0; x < width; x++) {
      const v = at(x, y);
      const a = at(x - 1, y);
      const b = at(x, y - 1);
      const c = at(x - 1, y - 1);
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predicted = [0, a, b, (a + b) >> 1, paeth][f]!;
      raw[y * (width + 1) + 1 + x] = (v - predicted) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  const z = deflateSync(raw);
  const step = Math.ceil(z.length / idatParts);
  const idats = Array.from({ length: idatParts }, (_, k) => chunk('IDAT', z.subarray(k * step, (k + 1) * step)));
  const plte = colorType === 3 ? [chunk('PLTE', new Uint8Array(256 * 3))] : [];
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    ...plte,
    ...idats,
    chunk('IEND', new Uint8Array(0)),
  ]);
}

describe('readMaskPng', () => {
  it('undoes every row filter (none, Sub, Up, Average, Paeth, mixed per row) over split IDAT chunks, as fast-png decodes them', () => {
    const random = seededRandom(23);
    for (const filters of [[0], [1], [2], [3], [4], [4, 1, 0, 3, 2], [2, 4]]) {
      for (const [w, h] of [
        [1, 1],
        [3, 7],
        [64, 48],
        [500, 31],
      ] as const) {
        for (const colorType of [0, 3] as const) {
          const labels = Uint8Array.from({ length: w * h }, (_, i) =>
            random() < 0.7 ? (i > w ? labels0(i) : 3) : randomInt(random, 0, 255),
          );
          function labels0(i: number): number {
            return (i * 7) % 21;
          }
          const png = filteredPng(labels, w, h, colorType, filters, 1 + (w % 3));
          const decoded = readMaskPng(png, 'f.png');
          expect(Buffer.from(decoded.data).equals(Buffer.from(labels)), `filters ${filters} ${w}x${h} type ${colorType}`).toBe(true);
          expect(Buffer.from(decoded.data).equals(Buffer.from(decode(png).data as Uint8Array))).toBe(true);
          // Its own memory: a small mask is not a view into Node's shared buffer pool.
          if (w * h < 1000) expect(decoded.data.buffer.byteLength).toBeLessThan(4096);
        }
      }
    }
  });

  it('round-trips palette PNGs as class indices, whatever the palette colours', () => {
    const random = seededRandom(21);
    for (let t = 0; t < 40; t++) {
      const w = randomInt(random, 1, 64);
      const h = randomInt(random, 1, 64);
      const labels = Uint8Array.from({ length: w * h }, () => (random() < 0.1 ? 255 : randomInt(random, 0, 20)));
      const decoded = readMaskPng(writePalettePng(labels, w, h, VOC_LIKE), 'x.png');
      expect(decoded).toEqual({ width: w, height: h, data: labels, kind: 'palette' });
    }
  });

  it('round-trips grey PNGs and calls them binary only when every value is 0 or 255', () => {
    const random = seededRandom(22);
    for (let t = 0; t < 40; t++) {
      const w = randomInt(random, 1, 64);
      const h = randomInt(random, 1, 64);
      const binary = t % 2 === 0;
      const values = Uint8Array.from({ length: w * h }, () => (binary ? (random() < 0.5 ? 0 : 255) : randomInt(random, 0, 255)));
      if (!binary) values[0] = 7;
      const decoded = readMaskPng(writeGreyPng(values, w, h));
      expect(decoded).toEqual({ width: w, height: h, data: values, kind: binary ? 'binary' : 'grey' });
    }
  });

  it('reports a grey mask holding 0, 1 and 255 (VOC-style ignore) as grey, not binary', () => {
    expect(readMaskPng(writeGreyPng(new Uint8Array([0, 1, 255, 0]), 2, 2)).kind).toBe('grey');
  });

  it('unpacks 1, 2 and 4-bit palette PNGs to indices, scales 2- and 4-bit grey samples to 0..255 and keeps 1-bit ones 0/1', () => {
    const w = 5;
    const h = 3;
    for (const depth of [1, 2, 4] as const) {
      const max = (1 << depth) - 1;
      const values = Array.from({ length: w * h }, (_, i) => (i * 7) % (max + 1));
      const palette = Array.from({ length: max + 1 }, (_, i) => [i, i, i]);
      const indexed = encode({ width: w, height: h, data: pack(values, w, h, depth), depth, channels: 1, palette });
      expect(readMaskPng(indexed).data).toEqual(Uint8Array.from(values));
      const grey = encode({ width: w, height: h, data: pack(values, w, h, depth), depth, channels: 1 });
      const decoded = readMaskPng(grey);
      // 1-bit grey reads 0/1 as Pillow's np.array (mode "1") and mmseg read it (probe AC: a 0/1 class
      // map saved by PIL was read 0/255, its class 1 as ignore); cv2 and convert('L') read 0/255,
      // which a threshold reading takes (greyLevels).
      expect(decoded.data).toEqual(Uint8Array.from(values, (v) => (depth === 1 ? v : (v * 255) / max)));
      expect(greyLevels(decoded)).toEqual(Uint8Array.from(values, (v) => (v * 255) / max));
      expect(decoded.kind).toBe('grey');
      // 2 and 4 bits are flagged (the folder import notes the scaling); 1-bit ones are flagged oneBit.
      expect(decoded.scaledFromBits).toBe(depth === 1 ? undefined : depth);
      expect(decoded.oneBit).toBe(depth === 1 ? true : undefined);
      expect(readMaskPng(indexed).scaledFromBits).toBeUndefined();
      expect(readMaskPng(indexed).oneBit).toBeUndefined();
    }
  });

  it('refuses RGB, RGBA, grey+alpha and 16-bit PNGs with a message naming the file and the supported types', () => {
    const rgb = encode({ width: 2, height: 1, data: new Uint8Array(6), channels: 3 });
    const rgba = encode({ width: 2, height: 1, data: new Uint8Array(8), channels: 4 });
    const greyAlpha = encode({ width: 2, height: 1, data: new Uint8Array(4), channels: 2 });
    const grey16 = encode({ width: 2, height: 1, data: new Uint16Array(2), channels: 1, depth: 16 });
    for (const [bytes, what] of [
      [rgb, '8-bit RGB'],
      [rgba, '8-bit RGBA'],
      [greyAlpha, '8-bit greyscale\\+alpha'],
      [grey16, '16-bit greyscale'],
    ] as const) {
      expect(() => readMaskPng(bytes, 'SegmentationClass/2007_000032.png')).toThrow(
        new RegExp(`^SegmentationClass/2007_000032.png: ${what} PNG is not a mask; supported mask PNGs are palette .* and greyscale`),
      );
    }
    // What to do instead: a colour rendering is not a label map; a 16-bit label image is saved as 8-bit.
    expect(() => readMaskPng(rgb, 'a.png')).toThrow(/a colour rendering of labels is not a label map: save the class ids themselves/);
    expect(() => readMaskPng(grey16, 'a.png')).toThrow(/save the labels as 8-bit \(class ids 0-254, 255 = ignore\)$/);
  });

  it('refuses truncated, corrupted and non-PNG files with a message naming the file', () => {
    const png = writePalettePng(
      new Uint8Array(400).map((_, i) => i % 3),
      20,
      20,
      VOC_LIKE,
    );
    for (const cut of [png.length - 1, png.length - 12, Math.floor(png.length / 2), 20, 9]) {
      expect(() => readMaskPng(png.subarray(0, cut), 'a/b.png')).toThrow(/^a\/b\.png: corrupt PNG: truncated/);
    }
    const flipped = png.slice();
    const idat = Buffer.from(flipped).indexOf('IDAT');
    flipped[idat + 6] = (flipped[idat + 6] as number) ^ 0xff;
    expect(() => readMaskPng(flipped, 'a/b.png')).toThrow(/^a\/b\.png: corrupt PNG/);
    expect(() => readMaskPng(new Uint8Array([1, 2, 3]), 'c.png')).toThrow(/^c\.png: corrupt PNG: not a PNG file/);
  });
});

describe('writePalettePng', () => {
  it('writes a 256-entry palette and refuses more than 256 colours', () => {
    const png = writePalettePng(new Uint8Array([0, 1]), 2, 1, VOC_LIKE);
    const plte = Buffer.from(png).indexOf('PLTE');
    expect(Buffer.from(png).readUInt32BE(plte - 4)).toBe(256 * 3);
    expect(Array.from(png.subarray(plte + 4 + 3, plte + 4 + 6))).toEqual([128, 0, 0]);
    const tooMany = Array.from({ length: 257 }, (): [number, number, number] => [0, 0, 0]);
    expect(() => writePalettePng(new Uint8Array([0]), 1, 1, tooMany)).toThrow(/257 colours/);
  });

  it('refuses pixel buffers that do not match the size', () => {
    expect(() => writePalettePng(new Uint8Array(3), 2, 2, VOC_LIKE)).toThrow(/3 pixels given for a 2x2 PNG/);
    expect(() => writeGreyPng(new Uint8Array(0), 0, 0)).toThrow(/positive integers/);
  });
});
