// The toy SAM image encoder: mean 0-1 colour x of each 16x16 patch of the 1024x1024 input, centred to
// 2x - 1 and lifted into 256 channels by three orthonormal Hadamard rows. Distances and dot products between
// embeddings are therefore those of the centred colours: ||e1 - e2||^2 = 4 ||x1 - x2||^2.
import { GraphBuilder } from '../onnx/index';
import { hadamardRows, unitRgbFromNormalized } from './layers';
import { IMAGENET_MEAN_255, IMAGENET_STD_255, type InputSpec, type ToyModel } from './manifest';

export const EMBED_DIM = 256;
export const SAM_IMAGE_SIZE = 1024;
export const SAM_PATCH = 16;
export const SAM_GRID = SAM_IMAGE_SIZE / SAM_PATCH;

/** SAM's preprocessing: longest side to 1024, ImageNet-normalized 0-255 RGB, zero padding bottom/right. */
export const SAM_INPUT: InputSpec = {
  tensor: 'image',
  policy: 'longest-side-pad',
  size: [SAM_IMAGE_SIZE, SAM_IMAGE_SIZE],
  mean: IMAGENET_MEAN_255,
  std: IMAGENET_STD_255,
  range: [0, 255],
  channel_order: 'RGB',
};

export function imageEncoderOnnx(): Uint8Array {
  const g = new GraphBuilder('toy_colour_sam_encoder');
  const image = g.input('image', 'float32', [1, 3, SAM_IMAGE_SIZE, SAM_IMAGE_SIZE]);
  const rgb = unitRgbFromNormalized(g, image, SAM_INPUT);
  const means = g.op('AveragePool', [rgb], { kernel_shape: [SAM_PATCH, SAM_PATCH], strides: [SAM_PATCH, SAM_PATCH] });
  // e = L (2x - 1): weight 2 L^T, bias -L^T 1, with L's rows the Hadamard rows.
  const lift = hadamardRows(EMBED_DIM, 3);
  const weight = new Float32Array(EMBED_DIM * 3);
  const bias = new Float32Array(EMBED_DIM);
  for (let i = 0; i < EMBED_DIM; i++) {
    for (let k = 0; k < 3; k++) {
      const l = lift[k]?.[i] ?? 0;
      weight[i * 3 + k] = 2 * l;
      bias[i] = (bias[i] ?? 0) - l;
    }
  }
  const w = g.initializer('lift.weight', weight, [EMBED_DIM, 3, 1, 1]);
  const b = g.initializer('lift.bias', bias, [EMBED_DIM]);
  g.output(g.op('Conv', [means, w, b], { kernel_shape: [1, 1] }), 'image_embeddings', 'float32', [1, EMBED_DIM, SAM_GRID, SAM_GRID]);
  return g.toModel({ docString: 'Tessera toy SAM encoder: 16x16 mean colours lifted into 256 channels.' });
}

/**
 * The toy SAM encoder as a model of its own (kind `image-encoder`): a run over a dataset fills the
 * persistent embedding cache, so later point prompts only run the decoder. Each embedding is
 * e = sum_k (2 x_k - 1) h_k over orthonormal Hadamard rows h_k, so ||e|| = ||2x - 1|| for the
 * 16x16 mean colour x of its cell: sqrt(3) for black or any pure colour, ~0 for mid-grey.
 */
export function imageEncoderToy(): ToyModel {
  const name = 'toy-colour-sam-encoder';
  return {
    onnx: imageEncoderOnnx(),
    manifest: {
      name,
      kind: 'image-encoder',
      toy: true,
      description: 'Toy SAM image encoder: 16x16 mean colours lifted into 256 orthonormal channels (||e|| = ||2x - 1||).',
      files: { model: `${name}.onnx` },
      input: SAM_INPUT,
      outputs: { image_embeddings: 'image_embeddings' },
      classes: { names: [], palette: [], background: null },
      params: { embedding_grid: [SAM_GRID, SAM_GRID] },
      execution_providers: ['cpu'],
    },
  };
}
