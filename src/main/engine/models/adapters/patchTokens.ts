import type { Adapter } from './types';
import { paramsOf } from './params';
import { f32, outputNamed } from './types';
import { imageToTensor } from '../preprocess';
import { assertFinite } from './geometry';
import { heatmapGeometry } from './heatmapGeometry';
import { clsAttentionMap, hiPruneSets, tokenImportance, weightedPageRank } from '../../tokens';

/**
 * `patch-tokens`: stores the patch tokens (the UI computes query-patch cosine maps from them), the
 * CLS-attention map, HiPrune's token importance with its anchor/buffer/register sets and
 * Zero-TPrune's weighted-PageRank importance. No mask: this kind is for looking, not predicting.
 */
export const patchTokensAdapter: Adapter = {
  requiredInputs: () => [],
  async predict(rt, sample) {
    const m = rt.manifest;
    const input = imageToTensor(sample.rgb, m.input);
    const out = await rt.run({ [m.input.tensor]: { type: 'float32', dims: input.dims, data: input.data.buffer as ArrayBuffer } });
    const tokName = outputNamed(m, 'patch_tokens');
    const tokens = f32(out[tokName], tokName);
    assertFinite(tokens, tokName);
    const [, n, d] = (out[tokName]?.dims ?? []) as [number, number, number];
    const p = paramsOf(m, 'patch-tokens');
    const patch = p.patch_size;
    const gridH = Math.round(input.dims[2] / patch);
    const gridW = Math.round(input.dims[3] / patch);
    const prefix = p.patch_tokens_prefix_tokens;
    if (n - prefix !== gridH * gridW)
      throw new Error(
        `output ${tokName} has ${n} tokens; a ${gridH}x${gridW} grid (+${prefix} prefix) was expected from patch size ${patch}`,
      );
    const patchTokens = prefix === 0 ? tokens : tokens.slice(prefix * d);
    // Every map here is on the gridH x gridW patch grid over the whole input tensor.
    const geometry = heatmapGeometry(input.geometry, gridH, gridW);
    const heatmaps: Awaited<ReturnType<Adapter['predict']>>['heatmaps'] = [
      {
        name: 'patch_tokens',
        shape: [gridH * gridW, d],
        dtype: 'float32',
        data: new Uint8Array(patchTokens.buffer),
        meta: { gridH, gridW, geometry },
      },
    ];
    const attnRole = Object.keys(m.outputs).find((r) => r.startsWith('attn'));
    if (attnRole !== undefined) {
      const attnName = outputNamed(m, attnRole);
      const attn = f32(out[attnName], attnName);
      assertFinite(attn, attnName);
      const [, heads, t] = (out[attnName]?.dims ?? []) as [number, number, number];
      const attnPrefix = p.attention_prefix_tokens;
      const cls = clsAttentionMap(attn, heads, t, attnPrefix);
      const importance = tokenImportance(attn, heads, t).slice(attnPrefix);
      const retention = p.hiprune_retention ?? Math.round((t - attnPrefix) / 4);
      const sets = hiPruneSets(attn, attn, heads, t, { retention, gridWidth: gridW, prefixTokens: attnPrefix });
      const pagerank = weightedPageRank(attn, heads, t, { iterations: 20 }).slice(attnPrefix);
      heatmaps.push(
        {
          name: 'cls_attention',
          shape: [gridH, gridW],
          dtype: 'float32',
          data: new Uint8Array(cls.buffer),
          meta: { layer: attnRole, geometry },
        },
        {
          name: 'token_importance',
          shape: [gridH, gridW],
          dtype: 'float32',
          data: new Uint8Array(importance.buffer),
          meta: {
            score: 'HiPrune head-mean column-mean attention',
            retention,
            anchors: sets.anchors,
            buffers: sets.buffers,
            registers: sets.registers,
            geometry,
          },
        },
        {
          name: 'token_pagerank',
          shape: [gridH, gridW],
          dtype: 'float32',
          data: new Uint8Array(pagerank.buffer),
          meta: { iterations: 20, method: 'Zero-TPrune weighted PageRank', geometry },
        },
      );
    }
    return { labelMap: null, masks: [], heatmaps };
  },
};
