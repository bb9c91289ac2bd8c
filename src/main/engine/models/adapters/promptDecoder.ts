import type { Adapter, ModelRegion } from './types';
import { decodePrompt, interiorPoint, samEmbedding } from './promptDecoderCore';
import { paramsOf } from './params';

/**
 * `prompt-decoder` (SAM) over a dataset: with no human clicks, each ground-truth region gets one
 * positive "oracle" click at its interior point, the decoder's mask becomes the prediction. This
 * measures the decoder the way point-prompt benchmarks do; interactive prompts go through
 * annotations.propose instead.
 */
export const promptDecoderAdapter: Adapter = {
  requiredInputs: (m) => [
    'image_embeddings',
    'point_coords',
    'point_labels',
    'mask_input',
    'has_mask_input',
    'orig_im_size',
    // READ/LISA decoders take the <SEG> embedding as well.
    ...(paramsOf(m, 'prompt-decoder').text_embeds ? ['text_embeds'] : []),
  ],
  async predict(rt, sample) {
    if (sample.groundTruth === null)
      throw new Error('a prompt-decoder run needs ground truth to place its oracle clicks; this image has none');
    const embedding = await samEmbedding(rt, sample.imageSha, sample.rgb);
    const classes = [...new Set(sample.groundTruth)].filter((v) => v !== 0 && v !== 255).sort((a, b) => a - b);
    const masks: ModelRegion[] = [];
    for (const c of classes) {
      const p = interiorPoint(sample.groundTruth, sample.width, sample.height, c);
      if (p === null) continue;
      const { mask, score } = await decodePrompt(rt, embedding, sample, [{ ...p, label: 1 }]);
      // Oracle clicks carry the dataset class of the region they were placed in.
      masks.push({ modelClass: 1, datasetClass: c, mask, score });
    }
    return { labelMap: null, masks, heatmaps: [] };
  },
};
