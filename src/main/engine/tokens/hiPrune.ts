/**
 * HiPrune's three token sets (Liu et al. 2025, "HiPrune: Training-Free Visual Token Pruning via
 * Hierarchical Attention"; code: LLaVA/llava/model/llava_arch.py `encode_images`), so the viewer can
 * show which patches a HiPrune-pruned VLM would keep.
 */
import { tokenImportance } from './attention';
import { assertInteger } from '../../../shared/pure/shape';

export interface HiPruneOptions {
  /** N', the token budget (`HIPRUNE_RETENTION`; LLaVA-1.5: 192, 128 or 64). */
  retention: number;
  /** α, the budget share of anchors plus buffers (`HIPRUNE_ALPHA`, default 0.1). */
  alpha?: number;
  /** Patches per grid row, for the ±row buffers (24 for CLIP ViT-L/14 at 336). */
  gridWidth: number;
  /** Prefix tokens before the patches in T (CLS: 1, the default). */
  prefixTokens?: number;
}

/** Patch indices (0-based, prefix tokens excluded). */
export interface HiPruneSets {
  /** Top object-layer attention, highest first: `round(retention * alpha / 5)` of them. */
  anchors: number[];
  /** Neighbours of anchors that are not anchors themselves, ascending. */
  buffers: number[];
  /** Top deep-layer attention among the rest, highest first, filling the budget. */
  registers: number[];
  /** Everything kept, ascending (HiPrune sorts the kept indices). */
  retained: number[];
}

/**
 * The sets from two layers' post-softmax attention `[heads, T, T]`: `objectAttn` from the object
 * layer (`HIPRUNE_OBJECT_LAYER`, 9 for CLIP-L, i.e. `attentions[8]`) and `deepAttn` from the layer
 * the VLM reads features from (`mm_vision_select_layer`, -2 for LLaVA). Scores are tokenImportance
 * (head-mean, query-mean) without the prefix. As in llava_arch.py:
 * - anchors: `topk(shallow, round(retention * alpha / 5))`, Python's round (half to even);
 * - buffers: anchor ±1 and ±gridWidth in the flat index, clamped to [0, N-1]; like the reference
 *   (`shallow_token_indices - 1`), ±1 wraps to the neighbouring row at the grid's edges;
 * - registers: `topk(deep - selected, retention - |anchors ∪ buffers|)`; HiPrune subtracts 1 from
 *   the scores of selected tokens, so they come last; here they are excluded, which keeps the same
 *   set (their repeats would only be deduplicated by the index mask).
 * Ties go to the lower index (torch.topk leaves tie order unspecified).
 */
export function hiPruneSets(objectAttn: Float32Array, deepAttn: Float32Array, heads: number, t: number, opts: HiPruneOptions): HiPruneSets {
  const prefix = opts.prefixTokens ?? 1;
  const alpha = opts.alpha ?? 0.1;
  assertInteger('prefixTokens', prefix, 0);
  assertInteger('gridWidth', opts.gridWidth, 1);
  const n = t - prefix;
  assertInteger('retention', opts.retention, 0);
  if (n < 1 || opts.retention > n) {
    throw new RangeError(`retention ${opts.retention} must not exceed the ${n} patch tokens`);
  }
  const objectScore = tokenImportance(objectAttn, heads, t).subarray(prefix);
  const deepScore = tokenImportance(deepAttn, heads, t).subarray(prefix);

  const anchorCount = Math.min(roundHalfEven((opts.retention * alpha) / 5), n);
  const anchors = topIndices(objectScore, anchorCount, () => true);
  const shallow = new Set<number>();
  for (const a of anchors) {
    for (const neighbour of [a, a - 1, a + 1, a - opts.gridWidth, a + opts.gridWidth]) {
      shallow.add(Math.min(Math.max(neighbour, 0), n - 1));
    }
  }
  const anchorSet = new Set(anchors);
  const buffers = [...shallow].filter((i) => !anchorSet.has(i)).sort((a, b) => a - b);
  const registerCount = Math.max(opts.retention - shallow.size, 0);
  const registers = topIndices(deepScore, registerCount, (i) => !shallow.has(i));
  const retained = [...shallow, ...registers].sort((a, b) => a - b);
  return { anchors, buffers, registers, retained };
}

/** Python 3's `round(x)`: to the nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The `k` highest-scoring indices that pass `allowed`, highest first, lower index on ties. */
function topIndices(score: Float32Array, k: number, allowed: (i: number) => boolean): number[] {
  const candidates: number[] = [];
  for (let i = 0; i < score.length; i++) if (allowed(i)) candidates.push(i);
  candidates.sort((a, b) => score[b]! - score[a]! || a - b);
  return candidates.slice(0, k);
}
