import type { Adapter } from './types';
import { f32, outputNamed } from './types';
import { paramsOf } from './params';
import { imageToTensor } from '../preprocess';
import { assertFinite, mapShape, mapToImage } from './geometry';
import { heatmapGeometry } from './heatmapGeometry';
import { bilinearResizeAbove } from '../../tokens';

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
    const { h, w } = mapShape(out[name]?.dims ?? [], name);
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
