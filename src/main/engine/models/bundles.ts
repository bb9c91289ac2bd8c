import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import type { WireTensor } from './inference/protocol';
import { parseNpz, toFloat32 } from '../tensors/npy';
import { parseSafetensors } from '../tensors/safetensors';

/**
 * Precomputed seg-token tensors for one sample: `<image stem>.npz` / `.safetensors` (the first or
 * only query of an image), or `<image stem>_<k>.npz` for its k-th query (0-based, import order).
 */
export async function loadSegTokenBundle(dir: string, fileName: string, queryIndex: number): Promise<Record<string, WireTensor>> {
  const stem = basename(fileName, extname(fileName));
  const candidates = [`${stem}_${queryIndex}`, ...(queryIndex === 0 ? [stem] : [])].flatMap((s) => [`${s}.npz`, `${s}.safetensors`]);
  const found = candidates.map((c) => join(dir, c)).find((p) => existsSync(p));
  if (found === undefined) throw new ApiError('NOT_FOUND', `${dir}: no bundle for ${fileName} (looked for ${candidates.join(', ')})`);
  const bytes = new Uint8Array(await readFile(found));
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  if (found.endsWith('.npz')) for (const [k, v] of parseNpz(bytes, found)) tensors.set(k, { shape: v.shape, data: toFloat32(v) });
  else for (const [k, v] of parseSafetensors(bytes, found)) tensors.set(k, v);
  const out: Record<string, WireTensor> = {};
  // read_similarity: READ's own map (tools/export/read_seg_tokens.py), to check ours against.
  for (const name of ['image_hidden', 'seg_hidden', 'seg_embeds', 'read_similarity']) {
    const t = tensors.get(name);
    if (t === undefined) {
      if (name === 'seg_embeds' || name === 'read_similarity') continue;
      throw new ApiError('MODEL_MISMATCH', `${found}: bundle has no "${name}" (it has ${[...tensors.keys()].join(', ')})`);
    }
    out[name] = { type: 'float32', dims: t.shape, data: t.data.slice().buffer };
  }
  return out;
}
