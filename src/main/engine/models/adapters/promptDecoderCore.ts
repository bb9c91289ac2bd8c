import type { ModelRuntime } from './types';
import { f32, outputNamed } from './types';
import { imageToTensor, type RgbImage } from '../preprocess';
import { toSamFrame } from '../../tokens';
import type { WireTensor } from '../inference/protocol';

export interface PromptPoint {
  x: number;
  y: number;
  /** 1 positive, 0 negative (SAM's labels); -1 points are dropped before the decoder. */
  label: 1 | 0 | -1;
}

/**
 * SAM image embedding, cached per (model, image): from the registered image-encoder model named in
 * `params.encoder_model` when there is one (its runs prefill the cache), else files.encoder.
 */
export async function samEmbedding(rt: ModelRuntime, imageSha: string, rgb: RgbImage): Promise<WireTensor> {
  const shared = rt.manifest.params['encoder_model'];
  if (typeof shared === 'string') {
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
  const encoder = (rt.manifest.params['encoder'] ?? {}) as { input?: string; output?: string };
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
 * One decoder call with the official SAM ONNX signature: points mapped to the 1024 frame, a (0,0)
 * padding point with label -1 appended (there is no box), no mask input; mask = logits > 0.
 * `textEmbeds` feeds READ/LISA decoders that take the <SEG> embedding.
 */
export async function decodePrompt(
  rt: ModelRuntime,
  embedding: WireTensor,
  image: { width: number; height: number },
  points: readonly PromptPoint[],
  textEmbeds?: Float32Array,
): Promise<{ mask: Uint8Array; score: number }> {
  const m = rt.manifest;
  const used = points.filter((p) => p.label !== -1);
  const target = Math.max(...m.input.size);
  const framed = toSamFrame(used, { height: image.height, width: image.width }, target);
  const n = framed.length + 1;
  const coords = new Float32Array(n * 2);
  const labels = new Float32Array(n);
  framed.forEach((p, i) => {
    coords[i * 2] = p.x;
    coords[i * 2 + 1] = p.y;
    labels[i] = p.label;
  });
  labels[n - 1] = -1;
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
