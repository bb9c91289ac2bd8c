import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { tessera } from '../../helpers/cli';
import { writeGreyMask, writeSolidImage } from '../../helpers/fixtures';
import { fitViewport } from '../../../src/renderer/canvas/viewport';
import type { Pixels } from '../../helpers/pixels';

export const GREY: [number, number, number] = [128, 128, 128];
/** VOC colours of classes 1 and 2 (the folder importer's palette). */
export const CLASS1: [number, number, number] = [128, 0, 0];
export const CLASS2: [number, number, number] = [0, 128, 0];

/** Label map W x H from a function of (x, y). */
export function labelsOf(w: number, h: number, f: (x: number, y: number) => number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = f(x, y);
  return out;
}

/**
 * A folder dataset of grey images with the given ground-truth label maps (null = no mask), imported
 * with the real CLI into a new workspace. Returns the workspace path.
 */
export async function importScenes(
  root: string,
  w: number,
  h: number,
  gts: ReadonlyArray<Uint8Array | null>,
  name = 'scenes',
  stemOf = (i: number): string => `scene_${String(i).padStart(2, '0')}`,
): Promise<string> {
  const images = join(root, 'images');
  const masks = join(root, 'masks');
  mkdirSync(images, { recursive: true });
  mkdirSync(masks, { recursive: true });
  for (const [i, gt] of gts.entries()) {
    const stem = stemOf(i);
    await writeSolidImage(join(images, `${stem}.png`), w, h, GREY);
    if (gt !== null) writeGreyMask(join(masks, `${stem}.png`), w, h, gt);
  }
  const ws = join(root, 'ws');
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
  const r = tessera(['--workspace', ws, 'import', 'folder', images, '--masks', masks, '--name', name]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return ws;
}

/** Two 64x64 scenes for the toy colour models: s0 has classes 1, 2 and 3, s1 one class-3 square. */
export const TOY_SCENES = [
  {
    name: 's0',
    width: 64,
    height: 64,
    rects: [
      { x: 0, y: 0, w: 32, h: 64, cls: 1 },
      { x: 40, y: 8, w: 16, h: 16, cls: 2 },
      { x: 40, y: 40, w: 16, h: 16, cls: 3 },
    ],
  },
  { name: 's1', width: 64, height: 64, rects: [{ x: 8, y: 8, w: 48, h: 48, cls: 3 }] },
];

/**
 * Where image pixel (x, y) lands in a screenshot of a `.viewer-canvas` element at "fit": the stage is
 * the element minus its 1 px border, and the viewer fits and centres the image (viewport.ts).
 */
export function fitPoint(px: { width: number; height: number }, imageW: number, imageH: number, x: number, y: number): [number, number] {
  const v = fitViewport(imageW, imageH, px.width - 2, px.height - 2);
  return [1 + v.x + x * v.scale, 1 + v.y + y * v.scale];
}

export function pixelAtImage(px: Pixels, imageW: number, imageH: number, x: number, y: number): [number, number, number] {
  const [sx, sy] = fitPoint(px, imageW, imageH, x, y);
  return px.at(sx, sy);
}
