import type { Adapter } from './types';
import { f32, outputNamed } from './types';
import { imageToTensor } from '../preprocess';
import { argmax, assertFinite, assertLabelChannels, mapShape, mapToImage } from './geometry';
import { bilinearResizeArgmax } from '../../tokens';

/** `semantic-seg`: logits [1,C,h,w] -> bilinear to image size -> argmax (docs/design.md §4.2). */
export const semanticSegAdapter: Adapter = {
  requiredInputs: () => [],
  async predict(rt, sample) {
    const m = rt.manifest;
    const input = imageToTensor(sample.rgb, m.input);
    const out = await rt.run({ [m.input.tensor]: { type: 'float32', dims: input.dims, data: input.data.buffer as ArrayBuffer } });
    const name = outputNamed(m, 'logits');
    const logits = f32(out[name], name);
    const { c, h, w } = mapShape(out[name]?.dims ?? [], name);
    const classes = m.classes?.names.length;
    if (classes !== undefined && c !== classes)
      throw new Error(`output ${name} has ${c} channels but the manifest lists ${classes} classes`);
    // A dynamic channel axis is seen only now; `models add` refused a static one above the limit.
    assertLabelChannels(c, name);
    assertFinite(logits, name);
    const g = input.geometry;
    const direct = g.contentHeight === g.height && g.contentWidth === g.width && g.cropTop === 0 && g.cropLeft === 0;
    if (direct && (h !== sample.height || w !== sample.width)) {
      // mapToImage's one bilinear resize to the image, with the argmax taken row by row.
      return { labelMap: bilinearResizeArgmax(logits, c, h, w, sample.height, sample.width), masks: [], heatmaps: [] };
    }
    const full = mapToImage(logits, c, h, w, g, sample.height, sample.width, -Infinity);
    return { labelMap: argmax(full, c, sample.width * sample.height, name), masks: [], heatmaps: [] };
  },
};
