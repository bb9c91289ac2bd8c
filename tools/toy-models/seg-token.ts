// seg-token toy (READ/LISA-shaped). A colour word w with colour p_w (0-1 RGB) and a 16x16 patch of mean
// colour x are both mapped to centred colours, 2p_w - 1 and 2x - 1, then rotated by the same fixed
// orthogonal 16x16 Householder matrix R into the hidden width. So the plain dot product READ uses,
// dot(image_hidden[g], seg_hidden) = <2x - 1, 2p_w - 1>, is 3 where the patch is exactly the queried colour
// and at most 1 elsewhere for pure colours. seg_embeds lifts 2p_w - 1 into 256-d with the same orthonormal
// Hadamard rows as the toy SAM image encoder, i.e. it equals that encoder's embedding of a patch of colour p_w.
import { GraphBuilder } from '../onnx/index';
import { hadamardRows, patchLinear, unitRgbFromNormalized } from './layers';
import { CLIP_MEAN_255, CLIP_STD_255, type InputSpec, type Rgb, type ToyModel } from './manifest';
import { EMBED_DIM } from './image-encoder';

export const SEG_VOCABULARY: readonly { word: string; rgb: Rgb }[] = [
  { word: 'red', rgb: [1, 0, 0] },
  { word: 'green', rgb: [0, 1, 0] },
  { word: 'blue', rgb: [0, 0, 1] },
  { word: 'yellow', rgb: [1, 1, 0] },
];
export const SEG_HIDDEN = 16;
export const SEG_PATCH = 16;
export const SEG_IMAGE_SIZE = 384;
export const SEG_GRID = SEG_IMAGE_SIZE / SEG_PATCH;

/** R = I - 2 v v^T / v^T v for a fixed v: orthogonal and symmetric, so it hides nothing from dot products. */
function householder(n: number): number[][] {
  const v = Array.from({ length: n }, (_, i) => ((i * 7) % 5) - 1.5);
  const vv = v.reduce((s, x) => s + x * x, 0);
  return v.map((vi, i) => v.map((vj, j) => (i === j ? 1 : 0) - (2 * vi * vj) / vv));
}

/** Centred colour 2c - 1 padded with zeros to n. */
function centred(rgb: readonly number[], n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i < 3 ? 2 * (rgb[i] ?? 0) - 1 : 0));
}

export function segTokenToy(): ToyModel {
  const input: InputSpec = {
    tensor: 'image',
    policy: 'resize',
    size: [SEG_IMAGE_SIZE, SEG_IMAGE_SIZE],
    mean: CLIP_MEAN_255,
    std: CLIP_STD_255,
    range: [0, 255],
    channel_order: 'RGB',
  };
  const r = householder(SEG_HIDDEN);
  const rotate = (v: readonly number[]): number[] => r.map((row) => row.reduce((s, x, j) => s + x * (v[j] ?? 0), 0));
  const g = new GraphBuilder('toy_colour_seg_token');
  const image = g.input('image', 'float32', [1, 3, SEG_IMAGE_SIZE, SEG_IMAGE_SIZE]);
  const query = g.input('query', 'float32', [1, SEG_VOCABULARY.length]);
  const rgb = unitRgbFromNormalized(g, image, input);

  // image_hidden = R (2x - 1): rows are 2 R[:, k] over r, g, b and the bias is -sum_k R[:, k].
  const rows = r.map((row) => [0, 1, 2].map((k) => 2 * (row[k] ?? 0)));
  const bias = r.map((row) => -((row[0] ?? 0) + (row[1] ?? 0) + (row[2] ?? 0)));
  const grid = patchLinear(g, rgb, rows, bias, SEG_PATCH, 'vision_tower');
  const flat = g.op('Reshape', [grid, g.constInt64([1, SEG_HIDDEN, -1])]);
  const G = SEG_GRID * SEG_GRID;
  g.output(g.op('Transpose', [flat], { perm: [0, 2, 1] }), 'image_hidden', 'float32', [1, G, SEG_HIDDEN]);

  const words = Float32Array.from(SEG_VOCABULARY.flatMap((w) => rotate(centred(w.rgb, SEG_HIDDEN))));
  const hidden = g.op('MatMul', [query, g.initializer('word_hidden', words, [SEG_VOCABULARY.length, SEG_HIDDEN])]);
  g.output(g.op('Reshape', [hidden, g.constInt64([1, 1, SEG_HIDDEN])]), 'seg_hidden', 'float32', [1, 1, SEG_HIDDEN]);

  const lift = hadamardRows(EMBED_DIM, 3);
  const lifted = SEG_VOCABULARY.flatMap((w) =>
    Array.from({ length: EMBED_DIM }, (_, i) => w.rgb.reduce((s, v, k) => s + (2 * v - 1) * (lift[k]?.[i] ?? 0), 0)),
  );
  const embeds = g.op('MatMul', [query, g.initializer('word_embeds', Float32Array.from(lifted), [SEG_VOCABULARY.length, EMBED_DIM])]);
  g.output(g.op('Reshape', [embeds, g.constInt64([1, 1, EMBED_DIM])]), 'seg_embeds', 'float32', [1, 1, EMBED_DIM]);

  const name = 'toy-colour-seg-token';
  return {
    onnx: g.toModel({ docString: 'Tessera toy: colour-word [SEG] token whose dot product with patch states peaks on that colour.' }),
    manifest: {
      name,
      kind: 'seg-token',
      toy: true,
      description:
        "Toy READ/LISA: query is a one-hot colour word; dot(image_hidden, seg_hidden) = <2x-1, 2p-1> is 3 on patches of the word's colour.",
      files: { model: `${name}.onnx` },
      input,
      outputs: { image_hidden: 'image_hidden', seg_hidden: 'seg_hidden', seg_embeds: 'seg_embeds' },
      classes: {
        names: ['background', 'target'],
        palette: [
          [0, 0, 0],
          [255, 255, 255],
        ],
        background: 0,
      },
      params: {
        query: { tensor: 'query', encoding: 'one-hot', vocabulary: SEG_VOCABULARY.map((w) => w.word) },
        grid: [SEG_GRID, SEG_GRID],
        patch_size: SEG_PATCH,
        seg_tokens: 1,
        similarity: 'dot',
        // READ's pipeline: SasP points from the similarity map prompt this SAM decoder (by model name).
        decoder: 'toy-colour-sam',
        // Without the decoder registered, the mask is the full-resolution similarity above this.
        mask_threshold: 0.75,
      },
      execution_providers: ['cpu'],
    },
  };
}
