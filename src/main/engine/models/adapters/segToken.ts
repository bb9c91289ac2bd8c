import type { Adapter, ModelRuntime } from './types';
import { paramsOf } from './params';
import type { ModelParams } from '../../../../shared/domain';
import { f32, outputNamed } from './types';
import { imageToTensor } from '../preprocess';
import { assertFinite } from './geometry';
import { fullResolutionMap, minMaxNormalize, READ_7B_SASP, segSimilarity, similarityToPoints } from '../../tokens';
import { decodePrompt, decoderPrompt, samEmbedding, type DecoderPrompt } from './promptDecoderCore';
import type { WireTensor } from '../inference/protocol';
import { loadSegTokenBundle } from '../bundles';
import { geometryMeta, readCropGeometry } from './heatmapGeometry';

type QuerySpec = NonNullable<ModelParams<'seg-token'>['query']>;

/** Toy text encoding: the first vocabulary word found in the query, one-hot. Real READ models come with precomputed tensors. */
function encodeQuery(spec: QuerySpec, query: string): WireTensor {
  const words = query.toLowerCase().match(/[a-z]+/g) ?? [];
  const index = words.map((w) => spec.vocabulary.indexOf(w)).find((i) => i >= 0);
  if (index === undefined) throw new Error(`query "${query}" contains none of the model's words (${spec.vocabulary.join(', ')})`);
  const v = new Float32Array(spec.vocabulary.length);
  v[index] = 1;
  return { type: 'float32', dims: [1, spec.vocabulary.length], data: v.buffer };
}

/**
 * `seg-token` (READ / LISA): similarity = image_hidden . seg_hidden (plain dot product), SasP points
 * with READ-7B defaults (overridable through params.sasp), then the SAM decoder named in
 * params.decoder with the points and seg_embeds as text_embeds. Without a decoder the mask is the
 * min-max full-resolution similarity above params.mask_threshold (0.5).
 */
export const segTokenAdapter: Adapter = {
  requiredInputs: (m) => {
    const q = paramsOf(m, 'seg-token').query;
    return q === undefined ? [] : [q.tensor];
  },
  async predict(rt, sample) {
    const m = rt.manifest;
    const p = paramsOf(m, 'seg-token');
    if (sample.query === null) throw new Error('a seg-token model needs a text query: run it on a referring/reasoning dataset');
    let out: Record<string, WireTensor>;
    if (m.files.bundles !== undefined) {
      out = await loadSegTokenBundle(m.files.bundles, sample.fileName, sample.queryIndex);
    } else {
      const input = imageToTensor(sample.rgb, m.input);
      const feeds: Record<string, WireTensor> = {
        [m.input.tensor]: { type: 'float32', dims: input.dims, data: input.data.buffer as ArrayBuffer },
      };
      const q = p.query;
      if (q !== undefined) feeds[q.tensor] = encodeQuery(q, sample.query);
      out = await rt.run(feeds);
    }
    const imgName = outputNamed(m, 'image_hidden');
    const segName = outputNamed(m, 'seg_hidden');
    const imageHidden = f32(out[imgName], imgName);
    const segHidden = f32(out[segName], segName);
    assertFinite(imageHidden, imgName);
    assertFinite(segHidden, segName);
    const dims = out[imgName]?.dims ?? [];
    const [g, c] = (dims.length === 3 ? dims.slice(1) : dims) as [number, number];
    const side = Math.round(Math.sqrt(g));
    if (side * side !== g) throw new Error(`output ${imgName} has ${g} image tokens, not a square grid`);
    const precision = p.similarity_precision;
    const sim = segSimilarity(imageHidden, g, c, segHidden.subarray(0, c), precision);
    const readSim = out['read_similarity'];
    if (readSim !== undefined) checkAgainstRead(sim, f32(readSim, 'read_similarity'), precision);
    const image = { height: sample.height, width: sample.width };
    const sasp = p.sasp;
    const points = similarityToPoints(sim, side, side, image, sasp);
    let mask: Uint8Array;
    let score: number | undefined;
    let prompt: DecoderPrompt | null = null;
    const decoderName = p.decoder ?? null;
    if (decoderName !== null) {
      const decoder: ModelRuntime = await rt.companion(decoderName);
      const embedding = await samEmbedding(decoder, sample.imageSha, sample.rgb);
      const embName = m.outputs['seg_embeds'];
      const text =
        embName !== undefined && paramsOf(decoder.manifest, 'prompt-decoder').text_embeds ? f32(out[embName], embName) : undefined;
      // READ feeds all num_points points (labels 1, 0 and -1) in SasP order, mapped to the 1024
      // frame in float32 as its generate_pred_masks, plus SAM's (0, 0) / -1 padding point.
      prompt = decoderPrompt(points, image, Math.max(...decoder.manifest.input.size), 'float32');
      ({ mask, score } = await decodePrompt(decoder, embedding, sample, prompt, text));
    } else {
      const full = fullResolutionMap(sim, side, side, image);
      const norm = minMaxNormalize(full) ?? new Float32Array(full.length);
      const t = p.mask_threshold;
      mask = new Uint8Array(norm.length);
      for (let i = 0; i < norm.length; i++) mask[i] = (norm[i] as number) > t ? 1 : 0;
    }
    return {
      labelMap: null,
      masks: [{ modelClass: 1, mask, ...(score === undefined ? {} : { score }) }],
      heatmaps: [
        {
          name: 'seg_similarity',
          shape: [side, side],
          dtype: 'float32',
          data: new Uint8Array(sim.buffer),
          meta: {
            query: sample.query,
            points: points.map((p) => ({ x: p.x, y: p.y, label: p.label, score: p.score })),
            decoder: decoderName,
            // Exactly what the decoder received (null without a decoder).
            decoderPrompt: prompt,
            ...geometryMeta(readCropGeometry(image, sasp.cropSize ?? READ_7B_SASP.cropSize, side, side)),
          },
        },
      ],
    };
  },
};

/**
 * A bundle that carries READ's own similarity map must agree with ours within one bf16 step of each
 * value (torch may sum in another order), or the points (and so the masks) would silently differ.
 */
export function checkAgainstRead(sim: Float32Array, read: Float32Array, precision: 'float64' | 'bfloat16'): void {
  if (read.length !== sim.length)
    throw new Error(`the bundle's read_similarity has ${read.length} values, the similarity map ${sim.length}`);
  let off = 0;
  let worst = 0;
  for (let i = 0; i < read.length; i++) {
    const r = read[i]!;
    const step = r === 0 ? 2 ** -133 : 2 ** (Math.floor(Math.log2(Math.abs(r))) - 7);
    const d = Math.abs(r - sim[i]!);
    if (d > step) off++;
    worst = Math.max(worst, d);
  }
  if (off > 0)
    throw new Error(
      `the similarity differs from READ's own (read_similarity) by more than one bf16 step at ${off} of ${read.length} tokens (up to ${worst.toPrecision(3)})${precision === 'float64' ? '; READ computes it in bf16: set params.similarity_precision: bfloat16' : ''}`,
    );
}
