// probability-map toy: prob = sigmoid(GAIN * (redness - MIDPOINT)), redness = r - (g + b) / 2 of the mean
// colour of each 4x4 block. prob > 0.5 exactly where redness > MIDPOINT.
import { GraphBuilder } from '../onnx/index';
import { patchLinear, unitRgbFromNormalized } from './layers';
import type { InputSpec, ToyModel } from './manifest';

export const REDNESS_GAIN = 10;
export const REDNESS_MIDPOINT = 0.25;
export const PROBABILITY_STRIDE = 4;

export function probabilityMapToy(): ToyModel {
  const input: InputSpec = {
    tensor: 'image',
    policy: 'resize',
    size: [64, 64],
    mean: [0, 0, 0],
    std: [1, 1, 1],
    range: [0, 1],
    channel_order: 'RGB',
  };
  const g = new GraphBuilder('toy_redness_probability');
  const rgb = unitRgbFromNormalized(g, g.input('image', 'float32', [1, 3, 'H', 'W']), input);
  const k = REDNESS_GAIN;
  const logit = patchLinear(g, rgb, [[k, -k / 2, -k / 2]], [-k * REDNESS_MIDPOINT], PROBABILITY_STRIDE, 'redness');
  g.output(g.op('Sigmoid', [logit]), 'prob', 'float32', [1, 1, 'h', 'w']);
  const name = 'toy-redness-probability';
  return {
    onnx: g.toModel({ docString: 'Tessera toy: sigmoid(10 * (redness - 0.25)) per 4x4 block.' }),
    manifest: {
      name,
      kind: 'probability-map',
      toy: true,
      description: 'Toy: probability that a 4x4 block is red, sigmoid(10 * (r - (g + b) / 2 - 0.25)).',
      files: { model: `${name}.onnx` },
      input,
      outputs: { probability: 'prob' },
      classes: {
        names: ['background', 'red'],
        palette: [
          [0, 0, 0],
          [255, 0, 0],
        ],
        background: 0,
      },
      params: { output_stride: PROBABILITY_STRIDE, output_type: 'probability', threshold: 0.5 },
      execution_providers: ['cpu'],
    },
  };
}
