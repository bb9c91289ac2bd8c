import { afterEach, describe, expect, it } from 'vitest';
import { encodeMask } from '../../../src/main/engine/masks';
import { crop, labelMap, openScene, pasted, type Scene } from './helpers';
import { engineInternals } from '../../../src/main/engine/internals';

const scenes: Scene[] = [];
afterEach(async () => {
  for (const s of scenes.splice(0)) await s.cleanup();
});

/** mulberry32: a seeded PRNG, so a failure replays exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES = [0, 1, 2, 3, 7, 255];

/**
 * The model: a plain array the test pastes each patch into. After every edit, undo and redo the
 * stored label map must equal it: inside the box exactly `after`, outside the box not one pixel changed.
 */
async function randomWalk(s: Scene, imageId: number, seed: number, steps: number): Promise<void> {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  let model = await labelMap(s.engine, imageId);
  const undo: Uint8Array[] = [];
  const redo: Uint8Array[] = [];
  for (let step = 0; step < steps; step++) {
    const op = rand();
    if (op < 0.15 && undo.length > 0) {
      await s.client.call('annotations.undo', { imageId });
      redo.push(model);
      model = undo.pop() as Uint8Array;
    } else if (op < 0.25 && redo.length > 0) {
      await s.client.call('annotations.redo', { imageId });
      undo.push(model);
      model = redo.pop() as Uint8Array;
    } else {
      const w = 1 + Math.floor(rand() * 20);
      const h = 1 + Math.floor(rand() * 20);
      const box = { x: Math.floor(rand() * (s.width - w + 1)), y: Math.floor(rand() * (s.height - h + 1)), w, h };
      const before = crop(model, s.width, box);
      // A stroke-like patch: only some pixels of the box change, to one value or a few.
      const value = pick(VALUES);
      const after = before.map((v) => (rand() < 0.6 ? (rand() < 0.8 ? value : pick(VALUES)) : v));
      const { revision } = await s.client.call('annotations.get', { imageId });
      const res = await s.client.call('annotations.applyEdit', { imageId, baseRevision: revision, patch: { ...box, before, after } });
      const next = pasted(model, s.width, box, after);
      if (res.box !== null) {
        undo.push(model);
        redo.length = 0;
      }
      model = next;
    }
    const stored = await labelMap(s.engine, imageId);
    const firstDiff = stored.findIndex((v, i) => v !== model[i]);
    expect(firstDiff, `seed ${seed} step ${step}: pixel ${firstDiff % s.width},${Math.floor(firstDiff / s.width)}`).toBe(-1);
  }
}

describe('an edit never changes a pixel outside its box', () => {
  it('holds over random edits, undos and redos of a semantic label map', async () => {
    const s = await openScene();
    scenes.push(s);
    for (const seed of [1, 2, 3]) await randomWalk(s, s.imageIds[seed - 1] as number, seed, 60);
    expect(engineInternals(s.engine).db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('holds for overlapping instance regions (two instances of a class, one under another class)', async () => {
    const s = await openScene();
    scenes.push(s);
    const imageId = s.imageIds[0] as number;
    const sampleId = engineInternals(s.engine).repos.images.semanticSampleId(imageId) as number;
    // Two overlapping instances of class 4 and a class-6 region over both, as COCO instances can be.
    const rect = (x0: number, y0: number, x1: number, y1: number): Uint8Array => {
      const m = new Uint8Array(s.width * s.height);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * s.width + x] = 1;
      return m;
    };
    for (const [classIdx, mask] of [
      [4, rect(10, 10, 40, 30)],
      [4, rect(30, 20, 60, 45)],
      [6, rect(25, 15, 35, 40)],
    ] as const) {
      engineInternals(s.engine).repos.annotations.create({
        sampleId,
        classIdx,
        rle: encodeMask(mask, s.height, s.width),
        area: 0,
        bbox: [0, 0, 0, 0],
      });
    }
    await randomWalk(s, imageId, 42, 80);
  });
});
