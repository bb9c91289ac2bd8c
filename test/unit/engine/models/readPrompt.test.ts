import { describe, expect, it } from 'vitest';
import { ModelManifest } from '../../../../src/shared/domain';
import type { ModelRuntime, SampleToPredict } from '../../../../src/main/engine/models/adapters/types';
import type { WireTensor } from '../../../../src/main/engine/models/inference/protocol';
import { segTokenAdapter } from '../../../../src/main/engine/models/adapters/segToken';
import { decodePrompt } from '../../../../src/main/engine/models/adapters/promptDecoderCore';
import { promptDecoderToy } from '../../../../tools/toy-models/prompt-decoder';
import { segTokenToy } from '../../../../tools/toy-models/seg-token';
import { randomTensor, readContinuous, readPoints, seededRandom } from '../tokens/reference';

// The seam between an adapter and onnxruntime is ModelRuntime: these doubles answer run() with
// chosen tensors and record what the decoder is fed, so the prompt can be checked value by value
// against READ's own formulas (model/READ.py similarity_map_to_points + generate_pred_masks, SAM's
// prompt_encoder._embed_points padding).

const WIDTH = 60;
const HEIGHT = 41;

function tensor(dims: number[], values: Float32Array): WireTensor {
  return { type: 'float32', dims, data: values.slice().buffer };
}

/** A 24x24 <SEG> similarity: mid values everywhere, three peaks and three troughs (2x2 blocks). */
function similarity(): Float32Array {
  const sim = randomTensor(seededRandom(9), 576, 0.35, 0.65);
  const blocks: Array<[number, number, number]> = [
    [2, 3, 1],
    [5, 7, 0.95],
    [8, 1, 0.9],
    [3, 9, 0],
    [9, 10, 0.05],
    [6, 4, 0.02],
  ];
  for (const [row, col, v] of blocks)
    for (const [dy, dx] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ] as const)
      sim[(2 * row + dy) * 24 + 2 * col + dx] = v;
  return sim;
}

/** The seg-token toy's manifest with its outputs answered by `sim`, and a decoder that records its feeds. */
function doubles(sim: Float32Array, sasp: Record<string, unknown>) {
  const decoderFeeds: Array<Record<string, WireTensor>> = [];
  const decoder: ModelRuntime = {
    manifest: ModelManifest.parse(promptDecoderToy().manifest),
    async run(feeds) {
      decoderFeeds.push(feeds);
      const plane = WIDTH * HEIGHT;
      return {
        masks: tensor([1, 1, HEIGHT, WIDTH], new Float32Array(plane).fill(1)),
        iou_predictions: tensor([1, 1], Float32Array.of(0.5)),
      };
    },
    embedding: async () => tensor([1, 256, 64, 64], new Float32Array(256 * 64 * 64)),
    batchable: async () => false,
    companion: async (name) => {
      throw new Error(`unexpected companion ${name}`);
    },
  };
  const toy = segTokenToy().manifest;
  const segToken: ModelRuntime = {
    manifest: ModelManifest.parse({ ...toy, params: { ...toy.params, sasp } }),
    // image_hidden [1, 576, 1] = the map, seg_hidden [1, 1, 1] = 1: the dot product is the map itself.
    run: async () => ({
      image_hidden: tensor([1, 576, 1], sim),
      seg_hidden: tensor([1, 1, 1], Float32Array.of(1)),
      seg_embeds: tensor([1, 1, 256], new Float32Array(256)),
    }),
    embedding: async () => {
      throw new Error('the seg-token model has no embedding');
    },
    batchable: async () => false,
    companion: async (name) => {
      expect(name).toBe('toy-colour-sam');
      return decoder;
    },
  };
  return { segToken, decoderFeeds };
}

const sample: SampleToPredict = {
  sampleId: 1,
  imageId: 1,
  imagePath: '/nowhere.png',
  imageSha: 'sha',
  width: WIDTH,
  height: HEIGHT,
  fileName: 'a.png',
  query: 'the red object',
  queryIndex: 0,
  rgb: { data: new Uint8Array(WIDTH * HEIGHT * 3), width: WIDTH, height: HEIGHT },
  groundTruth: null,
};

/** SAM ResizeLongestSide.get_preprocess_shape for 1024, then READ's apply_coords in float32. */
function readFrame(x: number, y: number): [number, number] {
  const scale = 1024 / Math.max(HEIGHT, WIDTH);
  const newW = Math.trunc(WIDTH * scale + 0.5);
  const newH = Math.trunc(HEIGHT * scale + 0.5);
  return [Math.fround(Math.fround(x) * Math.fround(newW / WIDTH)), Math.fround(Math.fround(y) * Math.fround(newH / HEIGHT))];
}

function fed(feeds: Record<string, WireTensor> | undefined): { coords: number[][]; labels: number[]; dims: number[][] } {
  const c = new Float32Array(feeds!['point_coords']!.data);
  const l = new Float32Array(feeds!['point_labels']!.data);
  return {
    coords: Array.from(l, (_, i) => [c[2 * i]!, c[2 * i + 1]!]),
    labels: Array.from(l),
    dims: [feeds!['point_coords']!.dims, feeds!['point_labels']!.dims],
  };
}

describe("the SAM decoder's prompt in a seg-token run (READ parity)", () => {
  it('is all num_points SasP points in order with labels 1/0/-1, in the 1024 frame as READ maps them, then the (0,0)/-1 padding point', async () => {
    const sim = similarity();
    const { segToken, decoderFeeds } = doubles(sim, { continuous: false });
    const out = await segTokenAdapter.predict(segToken, sample, { modelToDataset: (c) => c });
    expect(decoderFeeds).toHaveLength(1);

    const ref = readPoints(sim, 24, HEIGHT, WIDTH, 30);
    // The map was made so that READ's 30 points hold every label: the test means something.
    expect([1, 0, -1].map((label) => ref.filter((p) => p.label === label).length)).toEqual([3, 3, 24]);
    const expected = {
      coords: [...ref.map((p) => readFrame(p.x, p.y)), [0, 0]],
      labels: [...ref.map((p) => p.label), -1],
      dims: [
        [1, 31, 2],
        [1, 31],
      ],
    };
    expect(fed(decoderFeeds[0])).toEqual(expected);
    // The 1024-frame y uses the rounded resized height (int(41 * 1024 / 60 + 0.5) = 700), not 1024 / 60.
    expect(expected.coords[0]![1]).not.toBeCloseTo(ref[0]!.y * (1024 / 60), 3);

    // What the decoder received is stored with the similarity map, exactly.
    const meta = out.heatmaps.find((h) => h.name === 'seg_similarity')?.meta;
    expect(meta?.['decoderPrompt']).toEqual({ frame: 1024, coords: expected.coords, labels: expected.labels });
    expect((meta?.['points'] as unknown[]).length).toBe(30);
  });

  it('maps the continuous (Discrete_to_Continuous) points the same way', async () => {
    const sim = similarity();
    const { segToken, decoderFeeds } = doubles(sim, {});
    const out = await segTokenAdapter.predict(segToken, sample, { modelToDataset: (c) => c });
    const ref = readContinuous(readPoints(sim, 24, HEIGHT, WIDTH, 30), sim, 24, HEIGHT, WIDTH);
    const got = fed(decoderFeeds[0]);
    expect(got.labels).toEqual([...ref.map((p) => p.label), -1]);
    expect(got.coords.at(-1)).toEqual([0, 0]);
    ref.forEach((p, i) => {
      const [x, y] = readFrame(p.x, p.y);
      expect(Math.abs(got.coords[i]![0]! - x)).toBeLessThan(1e-4);
      expect(Math.abs(got.coords[i]![1]! - y)).toBeLessThan(1e-4);
    });
    // Exactly READ's float32 transform of the stored points.
    const points = out.heatmaps[0]!.meta['points'] as Array<{ x: number; y: number }>;
    expect(got.coords.slice(0, -1)).toEqual(points.map((p) => readFrame(p.x, p.y)));
  });

  it("feeds interactive clicks as SAM's predictor does: float64 transform, cast to float32, padding point last", async () => {
    const { segToken, decoderFeeds } = doubles(similarity(), {});
    const decoder = await segToken.companion('toy-colour-sam');
    await decodePrompt(decoder, tensor([1], new Float32Array(1)), sample, [
      { x: 10.3, y: 20.7, label: 1 },
      { x: 50, y: 3, label: 0 },
    ]);
    const newH = Math.trunc(HEIGHT * (1024 / WIDTH) + 0.5);
    expect(fed(decoderFeeds[0])).toEqual({
      coords: [
        [Math.fround(10.3 * (1024 / WIDTH)), Math.fround(20.7 * (newH / HEIGHT))],
        [Math.fround(50 * (1024 / WIDTH)), Math.fround(3 * (newH / HEIGHT))],
        [0, 0],
      ],
      labels: [1, 0, -1],
      dims: [
        [1, 3, 2],
        [1, 3],
      ],
    });
  });
});
