import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSharp } from '../../engine/lazyPackages';
import { encodeMask } from '../../engine/masks/rle';
import { writeGreyPng } from '../../engine/masks/png';
import { mulberry32 } from '../../engine/metrics/prng';

/** The toys' colour classes: label value -> RGB (background black). */
export const DEMO_COLOURS: ReadonlyArray<{ cls: number; name: string; rgb: [number, number, number] }> = [
  { cls: 1, name: 'red', rgb: [230, 30, 40] },
  { cls: 2, name: 'green', rgb: [40, 200, 60] },
  { cls: 3, name: 'blue', rgb: [40, 60, 220] },
];

interface Shape {
  cls: number;
  kind: 'rect' | 'disc';
  x: number;
  y: number;
  w: number;
  h: number;
}

function draw(width: number, height: number, shapes: readonly Shape[], noise: () => number): { rgb: Uint8Array; labels: Uint8Array } {
  const rgb = new Uint8Array(width * height * 3);
  const labels = new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const v = Math.round(noise() * 24);
    rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = v;
  }
  for (const s of shapes) {
    const colour = DEMO_COLOURS.find((c) => c.cls === s.cls)?.rgb ?? [255, 255, 255];
    const cx = s.x + s.w / 2;
    const cy = s.y + s.h / 2;
    for (let y = Math.max(0, s.y); y < Math.min(height, s.y + s.h); y++) {
      for (let x = Math.max(0, s.x); x < Math.min(width, s.x + s.w); x++) {
        if (s.kind === 'disc' && ((x + 0.5 - cx) / (s.w / 2)) ** 2 + ((y + 0.5 - cy) / (s.h / 2)) ** 2 > 1) continue;
        const i = y * width + x;
        labels[i] = s.cls;
        rgb[i * 3] = colour[0];
        rgb[i * 3 + 1] = colour[1];
        rgb[i * 3 + 2] = colour[2];
      }
    }
  }
  return { rgb, labels };
}

function randomShapes(rand: () => number, width: number, height: number, count: number): Shape[] {
  return Array.from({ length: count }, () => {
    const w = Math.round(width * (0.2 + rand() * 0.3));
    const h = Math.round(height * (0.2 + rand() * 0.3));
    return {
      cls: 1 + Math.floor(rand() * 3),
      kind: rand() < 0.5 ? 'rect' : 'disc',
      x: Math.round(rand() * (width - w)),
      y: Math.round(rand() * (height - h)),
      w,
      h,
    } satisfies Shape;
  });
}

/** Semantic scenes (coloured rectangles and discs on dark noise) with exact label maps: images/ + masks/. */
export async function writeSemanticScenes(root: string, count: number, seed = 7): Promise<{ images: string; masks: string }> {
  const images = join(root, 'images');
  const masks = join(root, 'masks');
  mkdirSync(images, { recursive: true });
  mkdirSync(masks, { recursive: true });
  const rand = mulberry32(seed);
  for (let i = 0; i < count; i++) {
    const [w, h] = [256, 192];
    const { rgb, labels } = draw(w, h, randomShapes(rand, w, h, 1 + Math.floor(rand() * 3)), rand);
    const name = `scene_${String(i).padStart(3, '0')}`;
    await loadSharp()(Buffer.from(rgb), { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toFile(join(images, `${name}.png`));
    writeFileSync(join(masks, `${name}.png`), writeGreyPng(labels, w, h));
  }
  return { images, masks };
}

export interface ReferringScene {
  file: string;
  width: number;
  height: number;
  /** One referring expression per coloured object, with its exact mask as RLE. */
  queries: Array<{ text: string; rle: { size: [number, number]; counts: string }; area: number }>;
}

/** Square referring scenes: two objects of different colours; queries name one by colour. */
export async function writeReferringScenes(root: string, count: number, seed = 11): Promise<ReferringScene[]> {
  mkdirSync(root, { recursive: true });
  const rand = mulberry32(seed);
  const phrasing = ['the {c} object', 'segment the {c} shape', 'where is the {c} thing?', 'the {c} one'];
  const out: ReferringScene[] = [];
  for (let i = 0; i < count; i++) {
    const size = 384;
    const first = 1 + Math.floor(rand() * 3);
    const second = 1 + ((first + Math.floor(rand() * 2)) % 3);
    const shapes: Shape[] = [
      {
        cls: first,
        kind: rand() < 0.5 ? 'rect' : 'disc',
        x: 24 + Math.round(rand() * 60),
        y: 24 + Math.round(rand() * 60),
        w: 120 + Math.round(rand() * 40),
        h: 110 + Math.round(rand() * 40),
      },
      {
        cls: second,
        kind: rand() < 0.5 ? 'rect' : 'disc',
        x: 210 + Math.round(rand() * 30),
        y: 200 + Math.round(rand() * 30),
        w: 110,
        h: 120,
      },
    ];
    const { rgb, labels } = draw(size, size, shapes, rand);
    const file = join(root, `ref_${String(i).padStart(3, '0')}.png`);
    await loadSharp()(Buffer.from(rgb), { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toFile(file);
    const queries = [first, second].map((cls) => {
      const mask = labels.map((v) => (v === cls ? 1 : 0));
      const rle = encodeMask(mask, size, size);
      const colour = DEMO_COLOURS.find((c) => c.cls === cls)?.name ?? 'red';
      const template = phrasing[Math.floor(rand() * phrasing.length)] as string;
      return { text: template.replace('{c}', colour), rle, area: mask.reduce((a, b) => a + b, 0) };
    });
    out.push({ file, width: size, height: size, queries });
  }
  return out;
}
