import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { vocColor } from '../../../src/shared/domain';
import { encodeMask, type Rle } from '../../../src/main/engine/masks';
import { writeSolidImage } from '../../helpers/fixtures';

/** Generated datasets with known pixels, written with fast-png/sharp (not with the code under test). */

export function vocPalette(): Array<[number, number, number]> {
  return Array.from({ length: 256 }, (_, i) => vocColor(i));
}

/** A label map with a few class rectangles, a 255 border ring around the first, and background. */
export function vocLabels(w: number, h: number, seed: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const rect = (x0: number, y0: number, rw: number, rh: number, v: number): void => {
    for (let y = y0; y < Math.min(h, y0 + rh); y++) for (let x = x0; x < Math.min(w, x0 + rw); x++) out[y * w + x] = v;
  };
  const a = 1 + (seed % 20);
  const b = 1 + ((seed * 7 + 3) % 20);
  rect(2 + seed, 2, 12, 10, 255);
  rect(3 + seed, 3, 10, 8, a);
  rect(w - 14, h - 12 - (seed % 3), 11, 9, b);
  return out;
}

export interface VocFixture {
  root: string;
  ids: string[];
  labels: Map<string, Uint8Array>;
  splits: Map<string, string>;
}

/** VOCdevkit-style root: JPEGImages, SegmentationClass (palette) or SegmentationClassAug (grey), ImageSets lists. */
export async function makeVocRoot(root: string, opts: { n?: number; w?: number; h?: number; aug?: boolean } = {}): Promise<VocFixture> {
  const n = opts.n ?? 4;
  const w = opts.w ?? 48;
  const h = opts.h ?? 36;
  const maskDir = join(root, opts.aug === true ? 'SegmentationClassAug' : 'SegmentationClass');
  for (const d of [join(root, 'JPEGImages'), maskDir, join(root, 'ImageSets', 'Segmentation')]) mkdirSync(d, { recursive: true });
  const ids: string[] = [];
  const labels = new Map<string, Uint8Array>();
  const splits = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const id = `2007_${String(i).padStart(6, '0')}`;
    ids.push(id);
    await writeSolidImage(join(root, 'JPEGImages', `${id}.jpg`), w, h, [100, 120, 140]);
    const l = vocLabels(w, h, i);
    labels.set(id, l);
    const png =
      opts.aug === true
        ? encode({ width: w, height: h, data: l, channels: 1, depth: 8 })
        : encode({ width: w, height: h, data: l, channels: 1, depth: 8, palette: vocPalette() });
    writeFileSync(join(maskDir, `${id}.png`), png);
    splits.set(id, i % 2 === 0 ? 'train' : 'val');
  }
  for (const split of ['train', 'val']) {
    const list = ids.filter((id) => splits.get(id) === split);
    writeFileSync(join(root, 'ImageSets', 'Segmentation', `${split}.txt`), `${list.join('\n')}\n`);
  }
  writeFileSync(join(root, 'ImageSets', 'Segmentation', 'trainval.txt'), `${ids.join('\n')}\n`);
  return { root, ids, labels, splits };
}

export interface CocoFixture {
  annotations: string;
  images: string;
  doc: CocoDoc;
}

export interface CocoDoc {
  images: Array<{ id: number; file_name: string; width: number; height: number }>;
  annotations: Array<{
    id: number;
    image_id: number;
    category_id: number;
    segmentation: unknown;
    area: number;
    bbox: number[];
    iscrowd: number;
  }>;
  categories: Array<{ id: number; name: string }>;
}

function rectMask(w: number, h: number, x0: number, y0: number, rw: number, rh: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = y0; y < y0 + rh; y++) for (let x = x0; x < x0 + rw; x++) m[y * w + x] = 1;
  return m;
}

/** Pixel count and [x, y, w, h] of a rectangle mask, computed directly (pycocotools' toBbox of a rectangle). */
function rectStats(rw: number, rh: number, x0: number, y0: number): { area: number; bbox: number[] } {
  return { area: rw * rh, bbox: [x0, y0, rw, rh] };
}

/** Uncompressed column-major counts of a rectangle, written out by hand. */
function rectCounts(w: number, h: number, x0: number, y0: number, rw: number, rh: number): number[] {
  const counts: number[] = [x0 * h + y0];
  for (let c = 0; c < rw; c++) {
    counts.push(rh);
    counts.push(c === rw - 1 ? w * h - ((x0 + c) * h + y0 + rh) : h - rh);
  }
  return counts;
}

/**
 * COCO instances with every segmentation kind: compressed RLE (iscrowd 0), uncompressed RLE
 * (iscrowd 1) and polygons; category ids are sparse (3, 7, 11) and listed out of order.
 */
export async function makeCocoDataset(
  root: string,
  opts: { n?: number; w?: number; h?: number; polygons?: boolean } = {},
): Promise<CocoFixture> {
  const n = opts.n ?? 3;
  const w = opts.w ?? 40;
  const h = opts.h ?? 30;
  const images = join(root, 'images');
  mkdirSync(images, { recursive: true });
  const doc: CocoDoc = {
    images: [],
    annotations: [],
    categories: [
      { id: 11, name: 'kite' },
      { id: 3, name: 'car' },
      { id: 7, name: 'train' },
    ],
  };
  let annId = 100;
  for (let i = 0; i < n; i++) {
    const file = `${String(1000 + i).padStart(12, '0')}.png`;
    await writeSolidImage(join(images, file), w, h, [50, 60, 70]);
    const imageId = 500 + i * 3;
    doc.images.push({ id: imageId, file_name: file, width: w, height: h });
    const rle: Rle = encodeMask(rectMask(w, h, 2 + i, 3, 8, 6), h, w);
    doc.annotations.push({ id: annId++, image_id: imageId, category_id: 3, segmentation: rle, ...rectStats(8, 6, 2 + i, 3), iscrowd: 0 });
    doc.annotations.push({
      id: annId++,
      image_id: imageId,
      category_id: 11,
      segmentation: { size: [h, w], counts: rectCounts(w, h, 20, 10 + i, 5, 7) },
      ...rectStats(5, 7, 20, 10 + i),
      iscrowd: 1,
    });
    if (opts.polygons !== false) {
      doc.annotations.push({
        id: annId++,
        image_id: imageId,
        category_id: 7,
        segmentation: [[5, 20, 15, 20, 15, 27, 5, 27]],
        area: 70,
        bbox: [5, 20, 10, 7],
        iscrowd: 0,
      });
    }
  }
  const annotations = join(root, 'instances.json');
  writeFileSync(annotations, JSON.stringify(doc));
  return { annotations, images, doc };
}
