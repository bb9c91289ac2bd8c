/**
 * READ's `<SEG>` similarity map (DESIGN §4 `seg-token`): how strongly each image token's last-layer
 * hidden state agrees with the `<SEG>` token's.
 */
import { assertTensor } from './shape';

/**
 * Length-G map: `imageHidden [G, C]` dotted with `segHidden [C]`, a plain dot product, not a cosine.
 * READ model/READ.py compute_similarity_map (no redundant features) weights by
 * `w = softmax(2 * prob) / mean(...)` over the text tokens; READ calls it with one `<SEG>` state at a
 * time, where that weight is exactly 1, leaving `(image * seg).sum(-1)`. Accumulates in float64.
 */
export function segSimilarity(imageHidden: Float32Array, g: number, c: number, segHidden: Float32Array): Float32Array {
  assertTensor('image hidden states', imageHidden, [g, c]);
  assertTensor('<SEG> hidden state', segHidden, [c]);
  const out = new Float32Array(g);
  for (let i = 0; i < g; i++) {
    const row = i * c;
    let sum = 0;
    for (let k = 0; k < c; k++) sum += imageHidden[row + k]! * segHidden[k]!;
    out[i] = sum;
  }
  return out;
}
