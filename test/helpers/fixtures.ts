import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { encode } from 'fast-png';

export function tempDir(prefix = 'tessera-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A solid-colour RGB image file (PNG or JPEG by extension). */
export async function writeSolidImage(path: string, width: number, height: number, rgb: [number, number, number]): Promise<void> {
  const img = sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });
  await (path.endsWith('.png') ? img.png() : img.jpeg({ quality: 95 })).toFile(path);
}

/** An 8-bit grey PNG holding the given values (row-major), written with fast-png, independent of our PNG code. */
export function writeGreyMask(path: string, width: number, height: number, values: Uint8Array): void {
  writeFileSync(path, encode({ width, height, data: values, channels: 1, depth: 8 }));
}

/** A palette PNG (VOC SegmentationClass style): pixel = palette index. */
export function writePaletteMask(
  path: string,
  width: number,
  height: number,
  indices: Uint8Array,
  palette: Array<[number, number, number]>,
): void {
  writeFileSync(path, encode({ width, height, data: indices, channels: 1, depth: 8, palette }));
}

/** A label map with a rectangle of `value` on background 0. */
export function rectLabels(width: number, height: number, rect: { x: number; y: number; w: number; h: number }, value: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = rect.y; y < rect.y + rect.h; y++) for (let x = rect.x; x < rect.x + rect.w; x++) out[y * width + x] = value;
  return out;
}

/**
 * A small folder dataset: `images/` with n solid images and `masks/` with a labelled rectangle each,
 * plus the label maps, so tests can compare what comes back against what went in.
 */
export async function makeFolderDataset(
  root: string,
  n = 3,
  size = { w: 64, h: 48 },
): Promise<{ images: string; masks: string; labels: Uint8Array[] }> {
  const images = join(root, 'images');
  const masks = join(root, 'masks');
  mkdirSync(images, { recursive: true });
  mkdirSync(masks, { recursive: true });
  const labels: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const name = `img_${String(i).padStart(3, '0')}`;
    await writeSolidImage(join(images, `${name}.png`), size.w, size.h, [128, 128, 128]);
    const l = rectLabels(size.w, size.h, { x: 2 + i, y: 3, w: Math.floor(size.w / 2) - 2, h: size.h - 6 }, 1 + (i % 3));
    l[0] = 255; // one ignore pixel: it must survive the round trip
    labels.push(l);
    writeGreyMask(join(masks, `${name}.png`), size.w, size.h, l);
  }
  return { images, masks, labels };
}

/**
 * Grey prediction PNGs in `dir` (made), one per label map of makeFolderDataset, named like its images:
 * the ground truth itself with its ignore pixels as background (a prediction has no "ignore").
 */
export function writeFolderPredictions(dir: string, labels: readonly Uint8Array[], size = { w: 64, h: 48 }): string {
  mkdirSync(dir, { recursive: true });
  for (const [i, l] of labels.entries())
    writeGreyMask(
      join(dir, `img_${String(i).padStart(3, '0')}.png`),
      size.w,
      size.h,
      l.map((v) => (v === 255 ? 0 : v)),
    );
  return dir;
}
