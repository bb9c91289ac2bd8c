// prompt-decoder toy: a "similarity-growing" SAM decoder with the official ONNX export's tensor names and
// shapes (segment-anything scripts/export_onnx_model.py, SamOnnxModel). On the 64x64 embedding grid:
//   m+ / m- = mean embedding at the positive (label 1) / negative (label 0) points, d+ / d- = ||e - m+/-||^2,
//   logit = clamp(min(TAU - d+, d- - d+), -1, 1)   (the second term only when there are negatives)
//   logit = -BIG everywhere when there is no positive point.
// With the toy encoder, d = 4 ||x - x_m||^2 in 0-1 RGB, so TAU = 1 keeps the cells whose colour is within 0.5
// of the clicked colour and nearer to it than to the negatives' colour. Labels -1 (padding) and 2/3 (box
// corners) are ignored; mask_input and has_mask_input are accepted and ignored. The clamp makes a region of
// the clicked colour (+1) next to a clearly different one (-1) cross zero at the cell edge after bilinear
// upsampling, so masks keep the region's true size instead of shrinking toward the cell centres.
// Upsampling follows SamOnnxModel.mask_postprocessing: bilinear to 1024, crop to the pre-pad size
// floor(1024 / max(H, W) * (H, W) + 0.5), bilinear to orig_im_size (align_corners=False throughout).
import { GraphBuilder, type TensorRef } from '../onnx/index';
import { EMBED_DIM, SAM_GRID, SAM_IMAGE_SIZE, SAM_INPUT, SAM_PATCH, imageEncoderOnnx } from './image-encoder';
import type { ToyModel } from './manifest';

export const DECODER_TAU = 1;
export const DECODER_BIG = 100;
export const DECODER_CLAMP = 1;
export const LOW_RES = 256;

/** Mean embedding of the points whose label equals `label`, and min(count, 1) (1 when any such point). */
function meanAtLabel(g: GraphBuilder, pointEmbeds: TensorRef, labels: TensorRef, label: number): { mean: TensorRef; present: TensorRef } {
  const weights = g.op('Cast', [g.op('Equal', [labels, g.constFloat(label)])], { to: 1 }); // [1,N]
  const sum = g.op('MatMul', [weights, pointEmbeds]); // [1,256]
  const count = g.op('ReduceSum', [weights], { keepdims: 1 }); // [1,1]
  const mean = g.op('Div', [sum, g.op('Max', [count, g.constFloat(1)])]);
  return { mean: g.op('Reshape', [mean, g.constInt64([1, EMBED_DIM, 1, 1])]), present: g.op('Min', [count, g.constFloat(1)]) };
}

/** Embeddings [N,256] at the grid cells under point_coords (1024 frame; cell = floor(coord / 16), clamped). */
function embeddingsAtPoints(g: GraphBuilder, embeddings: TensorRef, coords: TensorRef): TensorRef {
  const cells = g.op('Clip', [
    g.op('Floor', [g.op('Div', [coords, g.constFloat(SAM_PATCH)])]),
    g.constFloat(0),
    g.constFloat(SAM_GRID - 1),
  ]);
  const col = g.op('Gather', [cells, g.constInt64(0)], { axis: 2 }); // x -> column
  const row = g.op('Gather', [cells, g.constInt64(1)], { axis: 2 }); // y -> row
  const flat = g.op('Add', [g.op('Mul', [row, g.constFloat(SAM_GRID)]), col]);
  const index = g.op('Reshape', [g.op('Cast', [flat], { to: 7 }), g.constInt64([-1])]);
  const table = g.op('Transpose', [g.op('Reshape', [embeddings, g.constInt64([EMBED_DIM, -1])])], { perm: [1, 0] });
  return g.op('Gather', [table, index], { axis: 0 });
}

function squaredDistance(g: GraphBuilder, embeddings: TensorRef, mean: TensorRef): TensorRef {
  const diff = g.op('Sub', [embeddings, mean]);
  return g.op('ReduceSum', [g.op('Mul', [diff, diff]), g.constInt64([1])], { keepdims: 1 }); // [1,1,64,64]
}

function resizeTo(g: GraphBuilder, x: TensorRef, sizes: TensorRef): TensorRef {
  return g.op('Resize', [x, null, null, sizes], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
}

/** SamOnnxModel.mask_postprocessing on the 256x256 low-res logits. */
function masksAtOriginalSize(g: GraphBuilder, lowRes: TensorRef, origImSize: TensorRef): TensorRef {
  const full = resizeTo(g, lowRes, g.constInt64([1, 1, SAM_IMAGE_SIZE, SAM_IMAGE_SIZE]));
  const scale = g.op('Div', [g.constFloat(SAM_IMAGE_SIZE), g.op('ReduceMax', [origImSize], { keepdims: 1 })]);
  const prepadded = g.op('Floor', [g.op('Add', [g.op('Mul', [origImSize, scale]), g.constFloat(0.5)])]);
  const cropped = g.op('Slice', [full, g.constInt64([0, 0]), g.op('Cast', [prepadded], { to: 7 }), g.constInt64([2, 3])]);
  const sizes = g.op('Concat', [g.constInt64([1, 1]), g.op('Cast', [origImSize], { to: 7 })], { axis: 0 });
  return resizeTo(g, cropped, sizes);
}

export function promptDecoderOnnx(): Uint8Array {
  const g = new GraphBuilder('toy_colour_sam_decoder');
  const embeddings = g.input('image_embeddings', 'float32', [1, EMBED_DIM, SAM_GRID, SAM_GRID]);
  const coords = g.input('point_coords', 'float32', [1, 'num_points', 2]);
  const labels = g.input('point_labels', 'float32', [1, 'num_points']);
  g.input('mask_input', 'float32', [1, 1, LOW_RES, LOW_RES]);
  g.input('has_mask_input', 'float32', [1]);
  const origImSize = g.input('orig_im_size', 'float32', [2]);

  const pointEmbeds = embeddingsAtPoints(g, embeddings, coords);
  const positive = meanAtLabel(g, pointEmbeds, labels, 1);
  const negative = meanAtLabel(g, pointEmbeds, labels, 0);
  const dPos = squaredDistance(g, embeddings, positive.mean);
  const dNeg = squaredDistance(g, embeddings, negative.mean);
  const near = g.op('Sub', [g.constFloat(DECODER_TAU), dPos]);
  const noNegative = g.op('Sub', [g.constFloat(1), negative.present]);
  const nearer = g.op('Add', [g.op('Sub', [dNeg, dPos]), g.op('Mul', [noNegative, g.constFloat(DECODER_BIG)])]);
  const noPositive = g.op('Sub', [g.constFloat(1), positive.present]);
  const clamped = g.op('Clip', [g.op('Min', [near, nearer]), g.constFloat(-DECODER_CLAMP), g.constFloat(DECODER_CLAMP)]);
  const logits = g.op('Sub', [clamped, g.op('Mul', [noPositive, g.constFloat(DECODER_BIG)])]);

  const lowRes = resizeTo(g, logits, g.constInt64([1, 1, LOW_RES, LOW_RES]));
  g.output(lowRes, 'low_res_masks', 'float32', [1, 1, LOW_RES, LOW_RES]);
  g.output(masksAtOriginalSize(g, lowRes, origImSize), 'masks', 'float32', [1, 1, 'H', 'W']);
  // A confidence in [0, 1): mean |tanh(logit)| over the grid (how decisive the map is), 0 without positives.
  const decisiveness = g.op('ReduceMean', [g.op('Abs', [g.op('Tanh', [logits])])], { axes: [1, 2, 3], keepdims: 0 }); // [1]
  const iou = g.op('Mul', [g.op('Reshape', [decisiveness, g.constInt64([1, 1])]), positive.present]);
  g.output(iou, 'iou_predictions', 'float32', [1, 1]);
  return g.toModel({ docString: 'Tessera toy SAM decoder: grows the mask over cells of the clicked colour.' });
}

export function promptDecoderToy(): ToyModel {
  const name = 'toy-colour-sam';
  const encoderFile = `${name}.encoder.onnx`;
  return {
    onnx: promptDecoderOnnx(),
    companions: { [encoderFile]: imageEncoderOnnx() },
    manifest: {
      name,
      kind: 'prompt-decoder',
      toy: true,
      description:
        'Toy SAM: the encoder embeds 16x16 mean colours; the decoder keeps cells within 0.5 (0-1 RGB) of the mean colour under the positive points and nearer to it than to the negative points.',
      files: { model: `${name}.decoder.onnx`, encoder: encoderFile },
      input: SAM_INPUT,
      outputs: { masks: 'masks', iou_predictions: 'iou_predictions', low_res_masks: 'low_res_masks' },
      classes: {
        names: ['background', 'object'],
        palette: [
          [0, 0, 0],
          [255, 255, 255],
        ],
        background: 0,
      },
      params: {
        encoder: { file: 'encoder', input: 'image', output: 'image_embeddings' },
        image_size: SAM_IMAGE_SIZE,
        embedding_grid: [SAM_GRID, SAM_GRID],
        mask_threshold: 0,
        multimask_output: false,
        point_frame: 'longest-side-1024',
        padding_point: { coords: [0, 0], label: -1 },
      },
      execution_providers: ['cpu'],
    },
  };
}
