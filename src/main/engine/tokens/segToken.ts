/**
 * READ's `<SEG>` similarity map (docs/design.md §4.6 `seg-token`): how strongly each image token's last-layer
 * hidden state agrees with the `<SEG>` token's.
 */
import { assertTensor } from '../../../shared/pure/shape';

/**
 * Length-G map: `imageHidden [G, C]` dotted with `segHidden [C]`, a plain dot product, not a cosine.
 * READ model/READ.py compute_similarity_map (no redundant features) weights by
 * `w = softmax(2 * prob) / mean(...)` over the text tokens; READ calls it with one `<SEG>` state at a
 * time, where that weight is exactly 1, leaving `(image * seg).sum(-1)`. Accumulates in float64.
 */
export function segSimilarity(
  imageHidden: Float32Array,
  g: number,
  c: number,
  segHidden: Float32Array,
  precision: 'float64' | 'bfloat16' = 'float64',
): Float32Array {
  assertTensor('image hidden states', imageHidden, [g, c]);
  assertTensor('<SEG> hidden state', segHidden, [c]);
  if (precision === 'bfloat16') return segSimilarityBf16(imageHidden, g, c, segHidden);
  const out = new Float32Array(g);
  for (let i = 0; i < g; i++) {
    const row = i * c;
    let sum = 0;
    for (let k = 0; k < c; k++) sum += imageHidden[row + k]! * segHidden[k]!;
    out[i] = sum;
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** A value rounded to bfloat16 (round to nearest, ties to even, as torch's float -> bf16 cast). */
export function toBfloat16(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  if ((bits & 0x7f800000) === 0x7f800000) return f32[0]; // Inf/NaN stay
  u32[0] = ((bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000) >>> 0;
  return f32[0];
}

/**
 * READ's similarity as READ computes it on bf16 tensors: `(image * seg).sum(-1)`, each product
 * rounded to bf16, summed in float32, the sum rounded to bf16. (A float64 dot product moves values by
 * up to a few bf16 steps, enough to move SasP's 0.8/0.2 thresholds.) torch may sum in another order;
 * the float32 sum then differs in its last bits, which the final bf16 rounding nearly always absorbs.
 */
function segSimilarityBf16(imageHidden: Float32Array, g: number, c: number, segHidden: Float32Array): Float32Array {
  const out = new Float32Array(g);
  for (let i = 0; i < g; i++) {
    const row = i * c;
    let sum = 0;
    for (let k = 0; k < c; k++) sum = Math.fround(sum + toBfloat16(imageHidden[row + k]! * segHidden[k]!));
    out[i] = toBfloat16(sum);
  }
  return out;
}
