/**
 * Maps read off one layer's post-softmax attention `[heads, T, T]` (row = query, column = key;
 * each row sums to 1), with the prefix tokens (CLS, then any registers) first in T.
 */
import { assertInteger, assertTensor } from '../../../shared/pure/shape';

/**
 * Length `t - prefixTokens`: the head-mean attention of the CLS query (row 0) to each patch key,
 * `attn.mean(dim=heads)[0, prefixTokens:]` — the CLS-attention map DINO and FasterVLM draw.
 */
export function clsAttentionMap(attn: Float32Array, heads: number, t: number, prefixTokens: number): Float32Array {
  assertTensor('attention', attn, [heads, t, t]);
  assertInteger('prefixTokens', prefixTokens, 1);
  if (prefixTokens >= t) throw new RangeError(`prefixTokens ${prefixTokens} leaves no patch among ${t} tokens`);
  const out = new Float32Array(t - prefixTokens);
  for (let j = 0; j < out.length; j++) {
    let sum = 0;
    for (let h = 0; h < heads; h++) sum += attn[h * t * t + prefixTokens + j]!;
    out[j] = sum / heads;
  }
  return out;
}

/**
 * Length t: each token's attention received, averaged over heads and over all query rows — HiPrune
 * LLaVA/llava/model/llava_arch.py encode_images: `attention.mean(dim=1).mean(dim=1)` ("global
 * attention"); HiPrune then drops the CLS entry (`[:, 1:]`), which callers do by slicing.
 */
export function tokenImportance(attn: Float32Array, heads: number, t: number): Float32Array {
  assertTensor('attention', attn, [heads, t, t]);
  const sums = new Float64Array(t);
  for (let row = 0; row < heads * t; row++) {
    const base = row * t;
    for (let j = 0; j < t; j++) sums[j] = sums[j]! + attn[base + j]!;
  }
  return Float32Array.from(sums, (sum) => sum / (heads * t));
}
