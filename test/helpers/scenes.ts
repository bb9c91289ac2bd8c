import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { encode } from 'fast-png';

export const SCENE_COLOURS: Record<number, [number, number, number]> = { 1: [255, 0, 0], 2: [0, 255, 0], 3: [0, 0, 255] };

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
  cls: number;
}

/** An RGB scene (black background, pure-colour rectangles) and its exact label map. */
export function renderScene(width: number, height: number, rects: readonly Rect[]): { rgb: Uint8Array; labels: Uint8Array } {
  const rgb = new Uint8Array(width * height * 3);
  const labels = new Uint8Array(width * height);
  for (const r of rects) {
    const colour = SCENE_COLOURS[r.cls] as [number, number, number];
    for (let y = r.y; y < r.y + r.h; y++) {
      for (let x = r.x; x < r.x + r.w; x++) {
        const i = y * width + x;
        labels[i] = r.cls;
        rgb.set(colour, i * 3);
      }
    }
  }
  return { rgb, labels };
}

export async function writeSceneDataset(
  root: string,
  scenes: ReadonlyArray<{ name: string; width: number; height: number; rects: Rect[] }>,
): Promise<{ images: string; masks: string; labels: Map<string, Uint8Array>; rgb: Map<string, Uint8Array> }> {
  const images = join(root, 'images');
  const masks = join(root, 'masks');
  mkdirSync(images, { recursive: true });
  mkdirSync(masks, { recursive: true });
  const labels = new Map<string, Uint8Array>();
  const rgbs = new Map<string, Uint8Array>();
  for (const s of scenes) {
    const { rgb, labels: l } = renderScene(s.width, s.height, s.rects);
    await sharp(Buffer.from(rgb), { raw: { width: s.width, height: s.height, channels: 3 } })
      .png()
      .toFile(join(images, `${s.name}.png`));
    writeFileSync(join(masks, `${s.name}.png`), encode({ width: s.width, height: s.height, data: l, channels: 1, depth: 8 }));
    labels.set(s.name, l);
    rgbs.set(s.name, rgb);
  }
  return { images, masks, labels, rgb: rgbs };
}
