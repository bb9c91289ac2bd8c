import type { Adapter } from './types';
import { f32, outputNamed } from './types';
import { imageToTensor } from '../preprocess';
import { assertFinite } from './geometry';
import { heatmapGeometry } from './heatmapGeometry';

/**
 * `image-encoder` (SAM's): a run computes each image's embedding once into the workspace's
 * persistent cache (a prompt decoder naming this model in `params.encoder_model` reuses it) and
 * stores the per-cell embedding norm as a heatmap to look at.
 */
export const imageEncoderAdapter: Adapter = {
  requiredInputs: () => [],
  async predict(rt, sample) {
    const m = rt.manifest;
    const name = outputNamed(m, 'image_embeddings');
    // The tensor's geometry is needed even when the embedding comes from the cache.
    const input = imageToTensor(sample.rgb, m.input);
    const emb = await rt.embedding(sample.imageSha, async () => {
      const out = await rt.run({ [m.input.tensor]: { type: 'float32', dims: input.dims, data: input.data.buffer as ArrayBuffer } });
      const e = out[name];
      if (e === undefined) throw new Error(`model output ${name} is missing`);
      return e;
    });
    const values = f32(emb, name);
    assertFinite(values, name);
    const [, c, h, w] = emb.dims as [number, number, number, number];
    const norm = new Float32Array(h * w);
    for (let k = 0; k < c; k++) {
      const base = k * h * w;
      for (let i = 0; i < h * w; i++) norm[i] = (norm[i] as number) + (values[base + i] as number) ** 2;
    }
    for (let i = 0; i < norm.length; i++) norm[i] = Math.sqrt(norm[i] as number);
    return {
      labelMap: null,
      masks: [],
      heatmaps: [
        {
          name: 'embedding_norm',
          shape: [h, w],
          dtype: 'float32',
          data: new Uint8Array(norm.buffer),
          meta: { channels: c, frame: m.input.policy, geometry: heatmapGeometry(input.geometry, h, w) },
        },
      ],
    };
  },
};
