/**
 * Query-patch maps over a ViT's patch tokens (docs/design.md §4.5 `patch-tokens`): click a patch, see which
 * patches the model groups with it. The viewer computes the clicked patch's map with this function.
 */
import { assertInteger, assertTensor } from './shape';

/** `cosine`, or `abs-cosine` as ToCo's Patch Token Contrast compares tokens. */
export type PatchSimilarityMode = 'cosine' | 'abs-cosine';

/** ToCo model/losses.py get_masked_ptc_loss: `F.normalize(x, p=2, dim=1, eps=1e-8)`. */
const NORM_EPS = 1e-8;

/**
 * Length-N map: the cosine similarity of token `queryIndex` with every token of `tokens` `[N, D]`,
 * or its absolute value (ToCo model/losses.py get_masked_ptc_loss: `torch.abs(cos_sim)`). Each
 * token is divided by max(||x||, 1e-8), as `F.normalize` does, so a zero token scores 0.
 */
export function queryPatchSimilarity(
  tokens: Float32Array,
  n: number,
  d: number,
  queryIndex: number,
  mode: PatchSimilarityMode,
): Float32Array {
  assertTensor('patch tokens', tokens, [n, d]);
  assertInteger('queryIndex', queryIndex, 0);
  if (queryIndex >= n) throw new RangeError(`queryIndex ${queryIndex} is outside the ${n} tokens`);
  const query = queryIndex * d;
  const queryNorm = Math.max(Math.sqrt(dot(tokens, query, tokens, query, d)), NORM_EPS);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const norm = Math.max(Math.sqrt(dot(tokens, i * d, tokens, i * d, d)), NORM_EPS);
    const cosine = dot(tokens, i * d, tokens, query, d) / (norm * queryNorm);
    out[i] = mode === 'abs-cosine' ? Math.abs(cosine) : cosine;
  }
  return out;
}

function dot(a: Float32Array, aStart: number, b: Float32Array, bStart: number, length: number): number {
  let sum = 0;
  for (let k = 0; k < length; k++) sum += a[aStart + k]! * b[bStart + k]!;
  return sum;
}
