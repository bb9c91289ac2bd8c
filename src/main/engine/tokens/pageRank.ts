/**
 * Zero-TPrune's I-stage importance (Wang, Dedhia, Jha, CVPR 2024, "Zero-TPrune: Zero-Shot Token
 * Pruning through Leveraging of the Attention Graph in Pre-Trained Transformers"): the attention
 * matrix is a graph's adjacency matrix and importance is its weighted PageRank.
 */
import { assertInteger, assertTensor } from '../../../shared/pure/shape';

export interface PageRankOptions {
  /** Power iterations; Zero-TPrune uses 30-50 in the first layers, 5-10 in the middle, 1 at the end. */
  iterations: number;
  /**
   * Classic PageRank damping d: `s <- d * A^T s + (1 - d) / T`. Zero-TPrune's WPR has no
   * teleport term, which is d = 1, the default.
   */
  damping?: number;
  /**
   * How head scores combine: `rms` (default), Zero-TPrune's Emphasizing Informative Region
   * aggregation, sqrt(mean over heads of s²); or `mean`.
   */
  aggregate?: 'rms' | 'mean';
}

/**
 * Length-t importance from post-softmax attention `[heads, T, T]` (row = query). Per head, Zero-TPrune
 * Algorithm 1 (WPR): `s_0 = 1/T`, `s_{k+1}(i) = Σ_j A(j, i) s_k(j)`, i.e. `s <- A^T s`: a token is
 * important when important tokens attend to it. Rows summing to 1 keep Σ s = 1 each step. Then the
 * heads are aggregated. Zero-TPrune's variance-based head filter is not applied.
 */
export function weightedPageRank(attn: Float32Array, heads: number, t: number, opts: PageRankOptions): Float32Array {
  assertTensor('attention', attn, [heads, t, t]);
  assertInteger('iterations', opts.iterations, 0);
  const damping = opts.damping ?? 1;
  if (!(damping >= 0 && damping <= 1)) throw new RangeError(`damping must lie in [0, 1], got ${damping}`);
  const aggregate = opts.aggregate ?? 'rms';
  const total = new Float64Array(t);
  for (let h = 0; h < heads; h++) {
    const s = headPageRank(attn, h * t * t, t, opts.iterations, damping);
    for (let i = 0; i < t; i++) total[i] = total[i]! + (aggregate === 'rms' ? s[i]! * s[i]! : s[i]!);
  }
  return Float32Array.from(total, (sum) => (aggregate === 'rms' ? Math.sqrt(sum / heads) : sum / heads));
}

function headPageRank(attn: Float32Array, offset: number, t: number, iterations: number, damping: number): Float64Array {
  let s = new Float64Array(t).fill(1 / t);
  for (let k = 0; k < iterations; k++) {
    const next = new Float64Array(t).fill((1 - damping) / t);
    for (let j = 0; j < t; j++) {
      const weight = damping * s[j]!;
      const row = offset + j * t;
      for (let i = 0; i < t; i++) next[i] = next[i]! + attn[row + i]! * weight;
    }
    s = next;
  }
  return s;
}
