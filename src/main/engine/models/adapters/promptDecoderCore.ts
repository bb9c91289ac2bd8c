import type { ModelRuntime } from './types';
import { paramsOf } from './params';
import { f32, outputNamed } from './types';
import { imageToTensor, type RgbImage } from '../preprocess';
import { toSamFrame, type SamFramePrecision } from '../../tokens';
import type { WireTensor } from '../inference/protocol';

export interface PromptPoint {
  x: number;
  y: number;
  /** 1 positive, 0 negative, -1 neutral: SAM embeds it as "not a point" (READ's neutral SasP points). */
  label: 1 | 0 | -1;
}

/**
 * A point prompt exactly as the decoder receives it (`point_coords` [1, N, 2], `point_labels`
 * [1, N]): every point in the caller's order with its label, in SAM's input frame, then SAM's
 * padding point (0, 0) with label -1. SAM's prompt encoder appends that point when no box is given
 * (`_embed_points(..., pad=True)`); the official ONNX export expects the caller to add it.
 */
export interface DecoderPrompt {
  /** The side SAM resizes the longest image side to (1024). */
  frame: number;
  /** [x, y] in the frame, float32 values as fed; the last one is the padding point. */
  coords: Array<[number, number]>;
  labels: Array<1 | 0 | -1>;
}

/**
 * The decoder prompt for points in original-image pixels. `precision` follows the code being
 * matched: 'float32' as READ's generate_pred_masks, 'float64' as SAM's predictor (see toSamFrame).
 */
export function decoderPrompt(
  points: readonly PromptPoint[],
  image: { width: number; height: number },
  frame = 1024,
  precision: SamFramePrecision = 'float64',
): DecoderPrompt {
  const framed = toSamFrame(points, { height: image.height, width: image.width }, frame, precision);
  return {
    frame,
    coords: [...framed.map((p): [number, number] => [Math.fround(p.x), Math.fround(p.y)]), [0, 0]],
    labels: [...framed.map((p) => p.label), -1],
  };
}

/**
 * SAM image embedding, cached per (model, image): from the registered image-encoder model named in
 * `params.encoder_model` when there is one (its runs prefill the cache), else files.encoder.
 */
export async function samEmbedding(rt: ModelRuntime, imageSha: string, rgb: RgbImage): Promise<WireTensor> {
  const { encoder_model: shared, encoder = {} } = paramsOf(rt.manifest, 'prompt-decoder');
  if (shared !== undefined) {
    const enc = await rt.companion(shared);
    return enc.embedding(imageSha, async () => {
      const input = imageToTensor(rgb, enc.manifest.input);
      const out = await enc.run({
        [enc.manifest.input.tensor]: { type: 'float32', dims: input.dims, data: input.data.buffer as ArrayBuffer },
      });
      const e = out[enc.manifest.outputs['image_embeddings'] ?? 'image_embeddings'];
      if (e === undefined) throw new Error(`encoder model ${shared} has no image_embeddings output`);
      return e;
    });
  }
  return rt.embedding(imageSha, async () => {
    const input = imageToTensor(rgb, rt.manifest.input);
    const out = await rt.run(
      { [encoder.input ?? rt.manifest.input.tensor]: { type: 'float32', dims: input.dims, data: input.data.buffer as ArrayBuffer } },
      'encoder',
    );
    const emb = out[encoder.output ?? 'image_embeddings'];
    if (emb === undefined) throw new Error(`the image encoder has no output "${encoder.output ?? 'image_embeddings'}"`);
    return emb;
  });
}

/**
 * One decoder call with the official SAM ONNX signature: the prompt (points, or a prepared
 * `decoderPrompt` in the decoder's frame) with its padding point, no mask input; mask = logits > 0.
 * `textEmbeds` feeds READ/LISA decoders that take the <SEG> embedding.
 */
export async function decodePrompt(
  rt: ModelRuntime,
  embedding: WireTensor,
  image: { width: number; height: number },
  prompt: readonly PromptPoint[] | DecoderPrompt,
  textEmbeds?: Float32Array,
): Promise<{ mask: Uint8Array; score: number }> {
  const m = rt.manifest;
  const frame = Math.max(...m.input.size);
  const fed = 'coords' in prompt ? prompt : decoderPrompt(prompt, image, frame);
  if (fed.frame !== frame) throw new Error(`the prompt is in a ${fed.frame} frame but the decoder takes ${frame}`);
  const n = fed.labels.length;
  const coords = Float32Array.from(fed.coords.flat());
  const labels = Float32Array.from(fed.labels);
  const feeds: Record<string, WireTensor> = {
    image_embeddings: { type: 'float32', dims: embedding.dims, data: embedding.data.slice(0) },
    point_coords: { type: 'float32', dims: [1, n, 2], data: coords.buffer },
    point_labels: { type: 'float32', dims: [1, n], data: labels.buffer },
    mask_input: { type: 'float32', dims: [1, 1, 256, 256], data: new Float32Array(256 * 256).buffer },
    has_mask_input: { type: 'float32', dims: [1], data: new Float32Array([0]).buffer },
    orig_im_size: { type: 'float32', dims: [2], data: new Float32Array([image.height, image.width]).buffer },
  };
  if (textEmbeds !== undefined)
    feeds['text_embeds'] = { type: 'float32', dims: [1, 1, textEmbeds.length], data: textEmbeds.slice().buffer };
  const out = await rt.run(feeds);
  const masksName = outputNamed(m, 'masks');
  const logits = f32(out[masksName], masksName);
  const plane = image.width * image.height;
  if (logits.length < plane) throw new Error(`decoder output ${masksName} has ${logits.length} values, expected at least ${plane}`);
  const mask = new Uint8Array(plane);
  for (let i = 0; i < plane; i++) mask[i] = (logits[i] as number) > 0 ? 1 : 0;
  const iouName = m.outputs['iou_predictions'];
  const score = iouName === undefined ? NaN : (f32(out[iouName], iouName)[0] ?? NaN);
  return { mask, score };
}

/** An interior point of a mask: the foreground pixel nearest its centroid (an "oracle click"). */
export function interiorPoint(mask: Uint8Array, width: number, height: number, value: number): { x: number; y: number } | null {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === value) {
      sx += i % width;
      sy += Math.floor(i / width);
      n++;
    }
  }
  if (n === 0) return null;
  const cx = sx / n;
  const cy = sy / n;
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== value) continue;
    const dx = (i % width) - cx;
    const dy = Math.floor(i / width) - cy;
    const d = dx * dx + dy * dy;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return { x: (best % width) + 0.5, y: Math.floor(best / width) + 0.5 };
}
