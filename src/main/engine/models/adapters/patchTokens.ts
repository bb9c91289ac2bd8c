import { ApiError } from '../../../../shared/api/errors';
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
    // A stride-p patch embedding (Conv2d(kernel p, stride p)) makes floor(side / p) patches; the
    // last side % p rows and columns of the tensor are in no patch (README "Heatmap geometry").
    const gridH = Math.floor(input.dims[2] / patch);
    const gridW = Math.floor(input.dims[3] / patch);
    if (gridH < 1 || gridW < 1)
      throw new ApiError(
        'INVALID_INPUT',
        `the ${input.dims[2]}x${input.dims[3]} input tensor is smaller than one ${patch}x${patch} patch (params.patch_size)`,
      );
    const prefix = p.patch_tokens_prefix_tokens;
    checkTokenCount(m.name, tokName, n, 'patch_tokens_prefix_tokens', prefix, gridH, gridW, patch, input.dims);
    const patchTokens = prefix === 0 ? tokens : tokens.slice(prefix * d);
    // Every map here is on the gridH x gridW patch grid, which covers the top-left
    // gridH*patch x gridW*patch pixels of the input tensor.
    const geometry = heatmapGeometry(input.geometry, gridH, gridW, { height: gridH * patch, width: gridW * patch });
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
      checkTokenCount(m.name, attnName, t, 'attention_prefix_tokens', attnPrefix, gridH, gridW, patch, input.dims);
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

/**
 * Refuses an output whose token count is not `prefix` + gridH * gridW: a wrong prefix count in the
 * manifest would otherwise shift every map by some tokens (registers taken for patches) and fail
 * much later, in an export. One line naming the manifest field, both counts and the likely value.
 */
function checkTokenCount(
  model: string,
  output: string,
  tokens: number,
  field: 'patch_tokens_prefix_tokens' | 'attention_prefix_tokens',
  prefix: number,
  gridH: number,
  gridW: number,
  patch: number,
  dims: readonly number[],
): void {
  const patches = gridH * gridW;
  if (tokens - prefix === patches) return;
  const grid = `the ${gridH}x${gridW} patch grid of the ${dims[2]}x${dims[3]} input (params.patch_size ${patch})`;
  const likely =
    tokens >= patches
      ? `; with ${patches} patches the likely value is params.${field}: ${tokens - patches}`
      : `, fewer than the ${patches} patches: check params.patch_size and input.size`;
  throw new ApiError(
    'MODEL_MISMATCH',
    `model "${model}": output ${output} has ${tokens} tokens, but params.${field} is ${prefix} and ${grid} has ${patches} patches, so ${prefix + patches} were expected${likely}`,
  );
}
