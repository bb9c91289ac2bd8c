// cam toy (ToCo-shaped): a ViT-style 16x16 patch embedding whose channel per foreground colour c computes
// cam_c = ReLU(mean_c - sum of the other two means) of the patch's 0-1 RGB, so a pure c patch scores 1 and
// any other colour (black, white, yellow, the other primaries) scores 0. cls_logits = 10 * (max cam_c - 0.5):
// positive iff some patch is more than half pure c, which is what ToCo's `cls_logits > 0` label mask needs.
import { GraphBuilder } from '../onnx/index';
import { patchLinear, unitRgbFromNormalized } from './layers';
import { COLOUR_CLASSES, IMAGENET_MEAN_255, IMAGENET_STD_255, colourClassSpec, type InputSpec, type ToyModel } from './manifest';

export const CAM_PATCH = 16;
export const CAM_CLS_GAIN = 10;
export const CAM_CLS_MIDPOINT = 0.5;

export function camToy(): ToyModel {
  const input: InputSpec = {
    tensor: 'image',
    policy: 'resize',
    size: [448, 448],
    mean: IMAGENET_MEAN_255,
    std: IMAGENET_STD_255,
    range: [0, 255],
    channel_order: 'RGB',
  };
  const foreground = COLOUR_CLASSES.slice(1);
  const g = new GraphBuilder('toy_colour_cam');
  // Dynamic H and W: ToCo runs the image at 0.5x, 1x and 1.5x of 448; dynamic N: the image and its
  // flip go through as one batch.
  const rgb = unitRgbFromNormalized(g, g.input('image', 'float32', ['N', 3, 'H', 'W']), input);
  const rows = foreground.map((_, c) => [0, 1, 2].map((k) => (k === c ? 1 : -1)));
  const patches = patchLinear(g, rgb, rows, [0, 0, 0], CAM_PATCH, 'patch_embed');
  const cam = g.op('Relu', [patches]);
  g.output(cam, 'cam', 'float32', ['N', foreground.length, 'h', 'w']);
  const peak = g.op('ReduceMax', [cam], { axes: [2, 3], keepdims: 0 });
  const centred = g.op('Sub', [peak, g.constFloat(CAM_CLS_MIDPOINT)]);
  g.output(g.op('Mul', [centred, g.constFloat(CAM_CLS_GAIN)]), 'cls_logits', 'float32', ['N', foreground.length]);
  const name = 'toy-colour-cam';
  return {
    onnx: g.toModel({ docString: 'Tessera toy: per-patch colour purity CAM for red, green and blue.' }),
    manifest: {
      name,
      kind: 'cam',
      toy: true,
      description:
        'Toy ToCo-style CAM: per 16x16 patch, cam_c = ReLU(c - sum of the other channels) of the mean 0-1 RGB; cls_logits = 10 * (max cam_c - 0.5).',
      files: { model: `${name}.onnx` },
      input,
      outputs: { cam: 'cam', cls_logits: 'cls_logits' },
      classes: colourClassSpec(),
      params: {
        patch_size: CAM_PATCH,
        // cam channel i is classes.names[i + 1], as ToCo's 20 VOC channels skip background.
        cam_channels: 'foreground',
        scales: [1.0, 0.5, 1.5],
        flip: true,
        bg_threshold: 0.5,
        three_band: { high: 0.7, low: 0.25 },
      },
      execution_providers: ['cpu'],
    },
  };
}
