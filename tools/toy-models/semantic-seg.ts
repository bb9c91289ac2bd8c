// semantic-seg toy: "colour prototypes as classes". Logit_c = -||x - p_c||^2 + ||x||^2 = 2<p_c, x> - ||p_c||^2,
// where x is the mean colour of a 4x4 block: dropping ||x||^2 (the same for every class) leaves a linear map,
// so one patchify Conv computes it and argmax picks the nearest prototype.
import { GraphBuilder } from '../onnx/index';
import { patchLinear, unitRgbFromNormalized } from './layers';
import { COLOUR_CLASSES, colourClassSpec, type InputSpec, type ToyModel } from './manifest';

/** Output stride: logits are at 1/4 of the input resolution, like DeepLab-style heads before upsampling. */
export const SEMANTIC_STRIDE = 4;

export function semanticSegToy(): ToyModel {
  const input: InputSpec = {
    tensor: 'image',
    policy: 'resize',
    size: [64, 64],
    mean: [0, 0, 0],
    std: [1, 1, 1],
    range: [0, 1],
    channel_order: 'RGB',
  };
  const g = new GraphBuilder('toy_colour_semantic');
  const image = g.input('image', 'float32', [1, 3, 'H', 'W']);
  const rgb = unitRgbFromNormalized(g, image, input);
  const rows = COLOUR_CLASSES.map((c) => c.rgb.map((v) => 2 * v));
  const bias = COLOUR_CLASSES.map((c) => -c.rgb.reduce((s, v) => s + v * v, 0));
  const logits = patchLinear(g, rgb, rows, bias, SEMANTIC_STRIDE, 'prototypes');
  g.output(logits, 'logits', 'float32', [1, COLOUR_CLASSES.length, 'h', 'w']);
  const name = 'toy-colour-semantic';
  return {
    onnx: g.toModel({ docString: 'Tessera toy: nearest colour prototype per 4x4 block (black, red, green, blue).' }),
    manifest: {
      name,
      kind: 'semantic-seg',
      toy: true,
      description: 'Toy: each 4x4 block is labelled with the nearest of four colour prototypes (black = background, red, green, blue).',
      files: { model: `${name}.onnx` },
      input,
      outputs: { logits: 'logits' },
      classes: colourClassSpec(),
      params: { output_stride: SEMANTIC_STRIDE, output_type: 'logits' },
      execution_providers: ['cpu'],
    },
  };
}
