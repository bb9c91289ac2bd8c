import type { Adapter } from './types';
import { f32, outputNamed } from './types';
import { paramsOf } from './params';
import { imageToTensor } from '../preprocess';
import { assertFinite, mapShape, mapToImage } from './geometry';
import { heatmapGeometry } from './heatmapGeometry';
import { bilinearResizeAbove } from '../../tokens';

/** The one line for a probability output that is not one map: its shape, what the kind reads, what to change. */
function probabilityChannelsMessage(name: string, dims: readonly number[], channels: number): string {
  const change =
    dims[3] === 1
      ? '[N,H,W,1] is channels last: export the model with an NCHW output'
      : `${channels} class maps are a semantic-seg model (kind: semantic-seg with ${channels} classes.names)`;
  return `output ${name} has ${channels} channels (shape [${dims.join(',')}]) but a probability-map model reads 1 channel (one foreground map, [1,1,h,w]); ${change}`;
}

/** `probability-map`: [1,1,h,w] (sigmoid if logits) -> bilinear to image -> threshold -> binary mask. */
export const probabilityMapAdapter: Adapter = {
  requiredInputs: () => [],
  async predict(rt, sample) {
    const m = rt.manifest;
    const p = paramsOf(m, 'probability-map');
    const input = imageToTensor(sample.rgb, m.input);
    const out = await rt.run({ [m.input.tensor]: { type: 'float32', dims: input.dims, data: input.data.buffer as ArrayBuffer } });
    const role = m.outputs['probability'] !== undefined ? 'probability' : 'logits';
    const name = outputNamed(m, role);
    const values = f32(out[name], name);
    const dims = out[name]?.dims ?? [];
    const { c, h, w } = mapShape(dims, name);
    // A channel axis dynamic at `models add` (paddle2onnx writes every axis so) is seen only now.
    if (c !== 1) throw new Error(probabilityChannelsMessage(name, dims, c));
    assertFinite(values, name);
    const isLogits = role === 'logits' || p.output_type === 'logits';
    const prob = isLogits ? values.map((v) => 1 / (1 + Math.exp(-v))) : values;
    const threshold = p.threshold;
    const g = input.geometry;
    let mask: Uint8Array;
    if (g.contentHeight === g.height && g.contentWidth === g.width && g.cropTop === 0 && g.cropLeft === 0) {
      // One bilinear resize to the image (mapToImage's direct case), thresholded row by row.
      mask = bilinearResizeAbove(prob, h, w, sample.height, sample.width, threshold);
    } else {
      const full = mapToImage(prob, 1, h, w, g, sample.height, sample.width, 0);
      mask = new Uint8Array(full.length);
      for (let i = 0; i < full.length; i++) mask[i] = (full[i] as number) > threshold ? 1 : 0;
    }
    return {
      labelMap: null,
      masks: [{ modelClass: 1, mask }],
      heatmaps: [
        {
          name: 'probability',
          shape: [h, w],
          dtype: 'float32',
          data: new Uint8Array(prob.buffer),
          meta: { threshold, geometry: heatmapGeometry(input.geometry, h, w) },
        },
      ],
    };
  },
};
