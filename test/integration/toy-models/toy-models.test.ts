import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { TOY_GENERATORS } from '../../../tools/toy-models/index';
import { camToy } from '../../../tools/toy-models/cam';
import { patchTokensToy } from '../../../tools/toy-models/patch-tokens';
import { probabilityMapToy } from '../../../tools/toy-models/probability-map';
import { promptDecoderToy } from '../../../tools/toy-models/prompt-decoder';
import { segTokenToy } from '../../../tools/toy-models/seg-token';
import { semanticSegToy } from '../../../tools/toy-models/semantic-seg';
import { vitB16BenchOnnx, vitB16BenchToy } from '../../../tools/toy-models/vit-b16-bench';
import {
  bilinear,
  blockMean,
  crop,
  dist2,
  dot,
  maxAbsDiff,
  normalized,
  openToy,
  paint,
  pixel,
  removeTempDirs,
  tempDir,
  values,
  type Rgb,
} from './scenes';

afterAll(removeTempDirs);

const RED: Rgb = [1, 0, 0];
const GREEN: Rgb = [0, 1, 0];
const BLUE: Rgb = [0, 0, 1];
const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [1, 1, 1];
const YELLOW: Rgb = [1, 1, 0];
const PROTOTYPES: readonly Rgb[] = [BLACK, RED, GREEN, BLUE];
const IMAGENET = { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], range: [0, 255] };

function argmax(xs: readonly number[]): number {
  return xs.reduce((best, v, i) => (v > (xs[best] ?? -Infinity) ? i : best), 0);
}

describe('every toy', () => {
  it.each(TOY_GENERATORS.filter((t) => !t.bench).map((t) => [t.id, t] as const))(
    '%s: is labelled a toy and its manifest names tensors the model really has',
    async (_id, generator) => {
      const toy = generator.generate();
      const { manifest } = toy;
      expect(manifest.toy).toBe(true);
      expect(manifest.kind).toBe(generator.id);
      const { session, open } = await openToy(toy);
      const inputs = manifest.kind === 'prompt-decoder' ? (await open('encoder')).inputNames : session.inputNames;
      expect(inputs).toContain(manifest.input.tensor);
      for (const tensor of Object.values(manifest.outputs)) expect(session.outputNames).toContain(tensor);
      expect(manifest.classes.palette).toHaveLength(manifest.classes.names.length);
    },
  );

  it('generate.ts writes every toy .onnx and .manifest.json into OUTDIR', () => {
    const dir = tempDir();
    execFileSync(process.execPath, ['--import', 'tsx', 'tools/toy-models/generate.ts', dir, '--no-bench'], { stdio: 'pipe' });
    for (const generator of TOY_GENERATORS.filter((t) => !t.bench)) {
      const { manifest } = generator.generate();
      const written = JSON.parse(readFileSync(join(dir, `${manifest.name}.manifest.json`), 'utf8')) as unknown;
      expect(written).toEqual(manifest);
      for (const file of Object.values(manifest.files)) expect(existsSync(join(dir, file))).toBe(true);
    }
  });
});

describe('semantic-seg toy (colour prototypes)', () => {
  /** logit_c = ||x||^2 - ||x - p_c||^2 of the 4x4 block mean x. */
  function expectedLogits(x: Rgb): number[] {
    return PROTOTYPES.map((p) => dist2(x, BLACK) - dist2(x, p));
  }

  it('labels each quadrant with its colour class (a red pixel is class red) at 1/4 resolution', async () => {
    const toy = semanticSegToy();
    const scene = paint(64, 64, (x, y) => (y < 32 ? (x < 32 ? RED : GREEN) : x < 32 ? BLUE : BLACK));
    const { session } = await openToy(toy);
    const out = await session.run({ image: normalized(scene, toy.manifest.input) });
    expect(out.logits?.dims).toEqual([1, 4, 16, 16]);
    const logits = values(out.logits);
    const classAt = (col: number, row: number): number => argmax([0, 1, 2, 3].map((c) => logits[c * 256 + row * 16 + col] ?? NaN));
    expect(toy.manifest.classes.names[classAt(3, 3)]).toBe('red');
    expect(toy.manifest.classes.names[classAt(12, 3)]).toBe('green');
    expect(toy.manifest.classes.names[classAt(3, 12)]).toBe('blue');
    expect(toy.manifest.classes.names[classAt(12, 12)]).toBe('background');
  });

  it('gives 2<p,x> - ||p||^2 logits whose argmax is the nearest prototype on an unaligned scene', async () => {
    const toy = semanticSegToy();
    const scene = paint(64, 64, (x, y) => {
      if ((x - 30) ** 2 + (y - 27) ** 2 < 17 ** 2) return [0.85, 0.2, 0.1];
      if (x + y > 90) return [0.1, 0.75, 0.3];
      return [0.1, 0.1, (x / 64) * 0.9];
    });
    const { session } = await openToy(toy);
    const logits = values((await session.run({ image: normalized(scene, toy.manifest.input) })).logits);
    let decided = 0;
    for (let row = 0; row < 16; row++) {
      for (let col = 0; col < 16; col++) {
        const expected = expectedLogits(blockMean(scene, col, row, 4));
        const got = [0, 1, 2, 3].map((c) => logits[c * 256 + row * 16 + col] ?? NaN);
        got.forEach((v, c) => expect(v).toBeCloseTo(expected[c] ?? NaN, 4));
        const sorted = [...expected].sort((a, b) => b - a);
        if ((sorted[0] ?? 0) - (sorted[1] ?? 0) < 1e-3) continue;
        expect(argmax(got)).toBe(argmax(expected));
        decided++;
      }
    }
    expect(decided).toBeGreaterThan(200);
  });
});

describe('probability-map toy (redness)', () => {
  it('is sigmoid(10 (r - (g+b)/2 - 0.25)) of each block mean, above 0.5 exactly where redness > 0.25', async () => {
    const toy = probabilityMapToy();
    const scene = paint(64, 32, (x, y) => [x / 63, y / 63, 0.2]);
    const { session } = await openToy(toy);
    const out = await session.run({ image: normalized(scene, toy.manifest.input) });
    expect(out.prob?.dims).toEqual([1, 1, 8, 16]);
    const prob = values(out.prob);
    for (let row = 0; row < 8; row++) {
      for (let col = 0; col < 16; col++) {
        const [r, g, b] = blockMean(scene, col, row, 4);
        const redness = r - (g + b) / 2;
        const p = prob[row * 16 + col] ?? NaN;
        expect(p).toBeCloseTo(1 / (1 + Math.exp(-10 * (redness - 0.25))), 5);
        if (Math.abs(redness - 0.25) > 1e-4) expect(p > 0.5).toBe(redness > 0.25);
      }
    }
  });
});

describe('cam toy (ToCo-shaped colour purity)', () => {
  it('on a half red, half blue 448 image: red CAM is 1 on the left, blue on the right, green nowhere', async () => {
    const toy = camToy();
    const scene = paint(448, 448, (x) => (x < 224 ? RED : BLUE));
    const { session } = await openToy(toy);
    const out = await session.run({ image: normalized(scene, toy.manifest.input) });
    expect(out.cam?.dims).toEqual([1, 3, 28, 28]);
    const cam = values(out.cam);
    for (let row = 0; row < 28; row++) {
      for (let col = 0; col < 28; col++) {
        const at = (c: number): number => cam[c * 784 + row * 28 + col] ?? NaN;
        expect(at(0)).toBeCloseTo(col < 14 ? 1 : 0, 4);
        expect(at(1)).toBeCloseTo(0, 4);
        expect(at(2)).toBeCloseTo(col < 14 ? 0 : 1, 4);
      }
    }
    // cls_logits = 10 (max cam - 0.5): present colours +5, absent -5.
    const cls = Array.from(values(out.cls_logits));
    expect(cls[0]).toBeCloseTo(5, 3);
    expect(cls[1]).toBeCloseTo(-5, 3);
    expect(cls[2]).toBeCloseTo(5, 3);
  });

  it('scores a patch ReLU(c - other channels) so white, black and yellow light no channel', async () => {
    const toy = camToy();
    const colours: Rgb[] = [WHITE, BLACK, YELLOW, [0.2, 0.9, 0.3]];
    const scene = paint(64, 16, (x) => colours[Math.floor(x / 16)] ?? BLACK);
    const { session } = await openToy(toy);
    const cam = values((await session.run({ image: normalized(scene, toy.manifest.input) })).cam);
    colours.forEach((c, col) => {
      for (let ch = 0; ch < 3; ch++) {
        const expected = Math.max(0, (c[ch] ?? 0) - c.reduce((s, v, k) => (k === ch ? s : s + v), 0));
        expect(cam[ch * 4 + col]).toBeCloseTo(expected, 4);
      }
    });
  });

  it("runs at ToCo's 0.5x and 1.5x scales with the CAM grid following the input size", async () => {
    const toy = camToy();
    const { session } = await openToy(toy);
    for (const size of [224, 672]) {
      const scene = paint(size, size, (x, y) => (x < size / 2 && y < size / 2 ? GREEN : BLACK));
      const out = await session.run({ image: normalized(scene, toy.manifest.input) });
      expect(out.cam?.dims).toEqual([1, 3, size / 16, size / 16]);
      expect(Array.from(values(out.cls_logits)).map((v) => v > 0)).toEqual([false, true, false]);
    }
  });
});

describe('patch-tokens toy (colour tokens and attention)', () => {
  /** The documented token of a mean colour. */
  function token([r, g, b]: Rgb): number[] {
    return [2 * r - 1, 2 * g - 1, 2 * b - 1, r - g, g - b, b - r, (2 * (r + g + b)) / 3 - 1, 0.5];
  }
  const heads = [
    [0, 1, 2, 7],
    [3, 4, 5, 6],
  ];
  const scene = paint(224, 224, (x, y) => {
    const [col, row] = [Math.floor(x / 16), Math.floor(y / 16)];
    if (col >= 2 && col < 6 && row >= 3 && row < 7) return RED;
    if (col === 10 && row === 10) return GREEN;
    if (col === 12 && row === 1) return WHITE;
    return BLUE;
  });

  it('emits one documented colour token per 16x16 patch, equal for patches of the same colour', async () => {
    const toy = patchTokensToy();
    const { session } = await openToy(toy);
    const out = await session.run({ image: normalized(scene, toy.manifest.input) });
    expect(out.patch_tokens?.dims).toEqual([1, 196, 8]);
    const tokens = values(out.patch_tokens);
    for (let n = 0; n < 196; n++) {
      const expected = token(blockMean(scene, n % 14, Math.floor(n / 14), 16));
      expected.forEach((v, d) => expect(tokens[n * 8 + d]).toBeCloseTo(v, 4));
    }
    const at = (n: number): Float32Array => tokens.subarray(n * 8, n * 8 + 8);
    const cosine = (a: Float32Array, b: Float32Array): number => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    const red = 3 * 14 + 2;
    expect(cosine(at(red), at(6 * 14 + 5))).toBeCloseTo(1, 5);
    expect(cosine(at(red), at(0))).toBeLessThan(0.2);
  });

  it('returns post-softmax attention [1,2,T,T] with T = N + 1 that equals softmax(2 q.k) over the documented head channels', async () => {
    const toy = patchTokensToy();
    const { session } = await openToy(toy);
    const out = await session.run({ image: normalized(scene, toy.manifest.input) });
    expect(out.attn_l0?.dims).toEqual([1, 2, 197, 197]);
    const attn = values(out.attn_l0);
    const tokens = values(out.patch_tokens);
    const all = [token(RED), ...Array.from({ length: 196 }, (_, n) => Array.from(tokens.subarray(n * 8, n * 8 + 8)))];
    heads.forEach((channels, h) => {
      const q = all.map((t) => channels.map((c) => t[c] ?? NaN));
      for (const i of [0, 1, 45, 150]) {
        const scores = q.map((k) => 2 * dot(q[i] ?? [], k));
        const top = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - top));
        const total = exps.reduce((s, v) => s + v, 0);
        exps.forEach((e, j) => expect(attn[(h * 197 + i) * 197 + j]).toBeCloseTo(e / total, 5));
      }
    });
  });

  it('has a CLS row that puts nearly all attention on the red patches', async () => {
    const toy = patchTokensToy();
    const { session } = await openToy(toy);
    const attn = values((await session.run({ image: normalized(scene, toy.manifest.input) })).attn_l0);
    for (let h = 0; h < 2; h++) {
      let onRed = 0;
      for (let n = 0; n < 196; n++) {
        const [col, row] = [n % 14, Math.floor(n / 14)];
        if (col >= 2 && col < 6 && row >= 3 && row < 7) onRed += attn[h * 197 * 197 + 1 + n] ?? 0;
      }
      expect(onRed).toBeGreaterThan(0.85);
    }
  });
});

describe('seg-token toy (colour-word [SEG] queries)', () => {
  const vocabulary: Record<string, Rgb> = { red: RED, green: GREEN, blue: BLUE, yellow: YELLOW };
  const scene = paint(384, 384, (x) => (x < 128 ? RED : x < 256 ? YELLOW : BLACK));

  async function hiddenFor(word: string): Promise<{ image: Float32Array; seg: Float32Array; embeds: Float32Array }> {
    const toy = segTokenToy();
    const words = (toy.manifest.params.query as { vocabulary: string[] }).vocabulary;
    const query = new Float32Array(words.length);
    query[words.indexOf(word)] = 1;
    const { session } = await openToy(toy);
    const out = await session.run({
      image: normalized(scene, toy.manifest.input),
      query: new ort.Tensor('float32', query, [1, words.length]),
    });
    expect(out.image_hidden?.dims).toEqual([1, 576, 16]);
    expect(out.seg_hidden?.dims).toEqual([1, 1, 16]);
    expect(out.seg_embeds?.dims).toEqual([1, 1, 256]);
    return { image: values(out.image_hidden), seg: values(out.seg_hidden), embeds: values(out.seg_embeds) };
  }

  it.each(['red', 'yellow', 'blue'])('dot(image_hidden, seg_hidden) for "%s" is <2x-1, 2p-1> and peaks on that colour', async (word) => {
    const { image, seg } = await hiddenFor(word);
    const p = vocabulary[word] ?? BLACK;
    const sims = Array.from({ length: 576 }, (_, gi) => dot(image.subarray(gi * 16, gi * 16 + 16), seg));
    sims.forEach((s, gi) => {
      const x = blockMean(scene, gi % 24, Math.floor(gi / 24), 16);
      expect(s).toBeCloseTo(
        dot(
          x.map((v) => 2 * v - 1),
          p.map((v) => 2 * v - 1),
        ),
        4,
      );
    });
    const peak = Math.max(...sims);
    const colourAtPeak = pixel(scene, (sims.indexOf(peak) % 24) * 16, Math.floor(sims.indexOf(peak) / 24) * 16);
    if (word === 'blue')
      expect(peak).toBeLessThan(3 - 1e-3); // not in the image
    else {
      expect(peak).toBeCloseTo(3, 4);
      expect(colourAtPeak).toEqual(p);
    }
  });

  it("seg_embeds equals the toy SAM encoder's embedding of a patch of the word's colour", async () => {
    const { embeds } = await hiddenFor('yellow');
    const sam = promptDecoderToy();
    const { open } = await openToy(sam);
    const encoder = await open('encoder');
    const plain = paint(1024, 1024, () => YELLOW);
    const out = await encoder.run({ image: normalized(plain, sam.manifest.input) });
    const grid = values(out.image_embeddings);
    for (let c = 0; c < 256; c++) expect(embeds[c]).toBeCloseTo(grid[c * 4096] ?? NaN, 4);
  });
});

describe('prompt-decoder toy (similarity-growing SAM)', () => {
  const PAD_LABEL = -1;

  interface Prompt {
    points: [number, number, number][]; // x, y (1024 frame), label
    origSize: [number, number];
  }

  async function decode(embeddings: ort.Tensor, prompt: Prompt): Promise<Record<string, ort.Tensor>> {
    const { session } = await openToy(promptDecoderToy());
    const n = prompt.points.length;
    return session.run({
      image_embeddings: embeddings,
      point_coords: new ort.Tensor('float32', Float32Array.from(prompt.points.flatMap(([x, y]) => [x, y])), [1, n, 2]),
      point_labels: new ort.Tensor('float32', Float32Array.from(prompt.points.map((p) => p[2])), [1, n]),
      mask_input: new ort.Tensor('float32', new Float32Array(256 * 256), [1, 1, 256, 256]),
      has_mask_input: new ort.Tensor('float32', Float32Array.of(0), [1]),
      orig_im_size: new ort.Tensor('float32', Float32Array.from(prompt.origSize), [2]),
    });
  }

  /** Embeds a 1024x1024 frame whose rows from `contentHeight` down are zero padding (after normalization). */
  async function embed(scene: ReturnType<typeof paint>, contentHeight = 1024): Promise<ort.Tensor> {
    const toy = promptDecoderToy();
    const input = normalized(scene, toy.manifest.input);
    (input.data as Float32Array).forEach((_, i, a) => {
      if (Math.floor(i / 1024) % 1024 >= contentHeight) a[i] = 0;
    });
    const { open } = await openToy(toy);
    const out = await (await open('encoder')).run({ image: input });
    expect(out.image_embeddings?.dims).toEqual([1, 256, 64, 64]);
    return out.image_embeddings as ort.Tensor;
  }

  /** Reference 64x64 logits: clamp(min(1 - d+, d- - d+ [+100 without negatives]), -1, 1) [-100 without positives]. */
  function referenceLogits(cellColour: (col: number, row: number) => Rgb, prompt: Prompt): Float64Array {
    const meanOf = (label: number): Rgb | null => {
      const picked = prompt.points.filter((p) => p[2] === label).map(([x, y]) => cellColour(Math.floor(x / 16), Math.floor(y / 16)));
      if (picked.length === 0) return null;
      return [0, 1, 2].map((k) => picked.reduce((s, c) => s + (c[k] ?? 0), 0) / picked.length) as unknown as Rgb;
    };
    const pos = meanOf(1);
    const neg = meanOf(0);
    const out = new Float64Array(64 * 64);
    for (let row = 0; row < 64; row++) {
      for (let col = 0; col < 64; col++) {
        const x = cellColour(col, row);
        // Embedding distances are 4x the RGB distances; the mean of nothing is the zero embedding, 2x - 1 = 0.
        const dPos = 4 * dist2(x, pos ?? [0.5, 0.5, 0.5]);
        const dNeg = 4 * dist2(x, neg ?? [0.5, 0.5, 0.5]);
        const logit = Math.min(Math.max(Math.min(1 - dPos, dNeg - dPos + (neg === null ? 100 : 0)), -1), 1);
        out[row * 64 + col] = logit - (pos === null ? 100 : 0);
      }
    }
    return out;
  }

  it('embeds 16x16 patches so embedding distances are 4x the RGB distances', async () => {
    const colours: Rgb[] = [RED, BLUE, [0.3, 0.6, 0.2], WHITE];
    const embeddings = values(await embed(paint(1024, 1024, (x, y) => (y < 16 ? (colours[Math.floor(x / 16)] ?? BLACK) : BLACK))));
    const at = (col: number): number[] => Array.from({ length: 256 }, (_, c) => embeddings[c * 4096 + col] ?? NaN);
    for (let a = 0; a < 4; a++) {
      for (let b = a + 1; b < 4; b++) expect(dist2(at(a), at(b))).toBeCloseTo(4 * dist2(colours[a] ?? BLACK, colours[b] ?? BLACK), 3);
    }
  });

  it('grows the mask from a positive point over the red rectangle and not beyond, through SAM postprocessing', async () => {
    // A 480x640 image with a red rectangle at x 200-400, y 160-320 on blue, already resized to 768x1024.
    const inRect = (x: number, y: number): boolean => x >= 320 && x < 640 && y >= 256 && y < 512;
    const scene = paint(1024, 1024, (x, y) => (inRect(x, y) ? RED : BLUE));
    const embeddings = await embed(scene, 768);
    const prompt: Prompt = {
      points: [
        [480, 384, 1],
        [0, 0, PAD_LABEL],
      ],
      origSize: [480, 640],
    };
    const out = await decode(embeddings, prompt);
    expect(out.masks?.dims).toEqual([1, 1, 480, 640]);
    expect(out.low_res_masks?.dims).toEqual([1, 1, 256, 256]);

    const grey: Rgb = [123.675 / 255, 116.28 / 255, 103.53 / 255]; // zero padding, de-normalized
    const low = referenceLogits((col, row) => (row >= 48 ? grey : inRect(col * 16, row * 16) ? RED : BLUE), prompt);
    const lowRes = bilinear(low, 64, 64, 256, 256);
    expect(maxAbsDiff(values(out.low_res_masks), lowRes)).toBeLessThan(1e-3);
    const masks = bilinear(crop(bilinear(lowRes, 256, 256, 1024, 1024), 1024, 768, 1024), 768, 1024, 480, 640);
    const got = values(out.masks);
    expect(maxAbsDiff(got, masks)).toBeLessThan(2e-3);

    let inter = 0;
    let union = 0;
    let wrong = 0;
    for (let y = 0; y < 480; y++) {
      for (let x = 0; x < 640; x++) {
        const predicted = (got[y * 640 + x] ?? 0) > 0;
        const truth = x >= 200 && x < 400 && y >= 160 && y < 320;
        if (predicted && truth) inter++;
        if (predicted || truth) union++;
        const margin = Math.min(Math.abs(x - 200), Math.abs(x - 400), Math.abs(y - 160), Math.abs(y - 320));
        if (margin > 8 && predicted !== truth) wrong++;
      }
    }
    expect(wrong).toBe(0);
    expect(inter / union).toBeGreaterThan(0.99);
    const iou = values(out.iou_predictions)[0] ?? NaN;
    expect(iou).toBeGreaterThan(0.5);
    expect(iou).toBeLessThanOrEqual(1);
  });

  it('takes in a similar orange region too, until a negative point on the orange carves it out', async () => {
    const ORANGE: Rgb = [0.8, 0.25, 0.1]; // 0.34 from red in RGB: inside the 0.5 radius
    const colourAt = (x: number, y: number): Rgb =>
      y >= 128 && y < 384 ? (x >= 128 && x < 384 ? RED : x >= 640 && x < 896 ? ORANGE : BLUE) : BLUE;
    const embeddings = await embed(paint(1024, 1024, colourAt));
    const cell = (col: number, row: number): Rgb => colourAt(col * 16, row * 16);
    const fraction = (masks: Float32Array, x0: number, x1: number): number => {
      let on = 0;
      for (let y = 160; y < 352; y++) for (let x = x0; x < x1; x++) on += (masks[y * 1024 + x] ?? 0) > 0 ? 1 : 0;
      return on / (192 * (x1 - x0));
    };
    const positiveOnly: Prompt = {
      points: [
        [256, 256, 1],
        [0, 0, PAD_LABEL],
      ],
      origSize: [1024, 1024],
    };
    const withNegative: Prompt = {
      points: [
        [256, 256, 1],
        [768, 256, 0],
        [0, 0, PAD_LABEL],
      ],
      origSize: [1024, 1024],
    };
    for (const [prompt, orangeIn] of [
      [positiveOnly, 1],
      [withNegative, 0],
    ] as const) {
      const out = await decode(embeddings, prompt);
      const masks = values(out.masks);
      expect(fraction(masks, 160, 352)).toBe(1);
      expect(fraction(masks, 672, 864)).toBe(orangeIn);
      const low = bilinear(referenceLogits(cell, prompt), 64, 64, 256, 256);
      expect(maxAbsDiff(values(out.low_res_masks), low)).toBeLessThan(1e-3);
    }
  });

  it('ignores the padding point and gives an empty mask with iou 0 when there is no positive point', async () => {
    const embeddings = await embed(paint(1024, 1024, (x) => (x < 512 ? RED : GREEN)));
    const base = values((await decode(embeddings, { points: [[100, 100, 1]], origSize: [1024, 1024] })).masks);
    const padded = values(
      (
        await decode(embeddings, {
          points: [
            [100, 100, 1],
            [0, 0, PAD_LABEL],
          ],
          origSize: [1024, 1024],
        })
      ).masks,
    );
    expect(Buffer.from(padded.buffer).equals(Buffer.from(base.buffer))).toBe(true);
    const none = await decode(embeddings, {
      points: [
        [900, 100, 0],
        [0, 0, PAD_LABEL],
      ],
      origSize: [1024, 1024],
    });
    expect(values(none.masks).every((v) => v < 0)).toBe(true);
    expect(values(none.iou_predictions)[0]).toBe(0);
  });
});

describe('vit-b16-bench (benchmark model)', () => {
  it('keeps the default 3-block model under 100 MB and describes itself as benchmark-only', () => {
    const toy = vitB16BenchToy();
    expect(toy.onnx.byteLength).toBeLessThan(100e6);
    expect(toy.onnx.byteLength).toBeGreaterThan(80e6);
    expect(toy.manifest.params).toMatchObject({ blocks: 3, benchmark_only: true });
    expect(toy.manifest.classes.names).toHaveLength(21);
  });

  it('gives cam [1,20,28,28] and cls_logits [1,20] at 448 and a 14x14 CAM at 224 (1-block variant)', async () => {
    const session = await ort.InferenceSession.create(vitB16BenchOnnx({ blocks: 1 }));
    for (const [size, grid] of [
      [448, 28],
      [224, 14],
    ] as const) {
      const scene = paint(size, size, (x, y) => [x / size, y / size, 0.5]);
      const out = await session.run({ image: normalized(scene, IMAGENET) });
      expect(out.cam?.dims).toEqual([1, 20, grid, grid]);
      expect(out.cls_logits?.dims).toEqual([1, 20]);
      expect(values(out.cam).every(Number.isFinite)).toBe(true);
      expect(values(out.cls_logits).every(Number.isFinite)).toBe(true);
    }
    await session.release();
  });

  it('is deterministic: the same seed gives the same bytes', () => {
    const a = Buffer.from(vitB16BenchOnnx({ blocks: 1, seed: 3 }));
    expect(a.equals(Buffer.from(vitB16BenchOnnx({ blocks: 1, seed: 3 })))).toBe(true);
    expect(a.equals(Buffer.from(vitB16BenchOnnx({ blocks: 1, seed: 4 })))).toBe(false);
  });
});
