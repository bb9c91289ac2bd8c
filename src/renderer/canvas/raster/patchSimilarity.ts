/** ToCo model/losses.py: `F.normalize(x, p=2, dim=1, eps=1e-8)` before the dot product. */
const NORM_EPS = 1e-8;

/**
 * Click a patch, see its similarity map (ToCo's Patch Token Contrast view): the cosine of token
 * `query` with each of the N tokens of `tokens` [N, D], each norm clamped to 1e-8 as F.normalize
 * does (a zero token scores 0). Same rule as the engine's tokens/patchSimilarity.ts.
 */
export function patchCosineSimilarity(tokens: Float32Array, n: number, d: number, query: number, absolute = false): Float32Array {
  if (tokens.length !== n * d) throw new RangeError(`patch tokens hold ${tokens.length} values, expected ${n}x${d}`);
  if (!Number.isInteger(query) || query < 0 || query >= n) throw new RangeError(`patch ${query} is outside the ${n} tokens`);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += (tokens[i * d + k] as number) ** 2;
    norms[i] = Math.max(Math.sqrt(s), NORM_EPS);
  }
  const out = new Float32Array(n);
  const q = query * d;
  for (let i = 0; i < n; i++) {
    let dot = 0;
    for (let k = 0; k < d; k++) dot += (tokens[i * d + k] as number) * (tokens[q + k] as number);
    const cosine = dot / ((norms[i] as number) * (norms[query] as number));
    out[i] = absolute ? Math.abs(cosine) : cosine;
  }
  return out;
}
