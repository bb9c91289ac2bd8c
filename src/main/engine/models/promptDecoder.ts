import { ApiError } from '../../../shared/api/errors';
import type { EngineDeps } from '../deps';
import { decodePrompt, samEmbedding, type PromptPoint } from './adapters/promptDecoderCore';
import { appliedOrientation, pixelKey } from '../images/orientation';
import { decodeRegisteredRgb } from './preprocess';
import { LoadedModel, providersFor } from './runtime';
import { namedInferenceFailure } from './inference/InferenceClient';

export interface ProposedMask {
  mask: Uint8Array;
  width: number;
  height: number;
  score: number;
}

/**
 * Interactive point prompts (annotate's point tool): positive/negative clicks through a
 * registered prompt-decoder model. The image embedding is computed once per (model, image) and
 * cached in the workspace, so later clicks only run the small decoder.
 */
export async function runPromptDecoder(
  deps: EngineDeps,
  input: { modelId: number; imageId: number; points: PromptPoint[] },
): Promise<ProposedMask> {
  const summary = deps.repos.models.get(input.modelId);
  if (summary === undefined) throw new ApiError('NOT_FOUND', `model ${input.modelId} not found`);
  if (summary.kind !== 'prompt-decoder')
    throw new ApiError('INVALID_INPUT', `model "${summary.name}" is a ${summary.kind} model, not a prompt decoder`);
  const image = deps.repos.images.get(input.imageId);
  if (image === undefined) throw new ApiError('NOT_FOUND', `image ${input.imageId} not found`);
  if (!input.points.some((p) => p.label === 1)) throw new ApiError('INVALID_INPUT', 'add at least one positive point');
  for (const p of input.points) {
    if (p.x < 0 || p.y < 0 || p.x > image.width || p.y > image.height)
      throw new ApiError('INVALID_INPUT', `point (${p.x}, ${p.y}) is outside the ${image.width}x${image.height} image`);
  }
  const model = new LoadedModel(deps, summary, providersFor('auto'));
  const orientation = appliedOrientation(image.grid, image.exif_orientation);
  const rgb = await decodeRegisteredRgb({ path: image.path, sha256: image.sha256, bytes: image.bytes }, orientation);
  try {
    const embedding = await samEmbedding(model, pixelKey(image.sha256, orientation), rgb);
    const { mask, score } = await decodePrompt(model, embedding, { width: image.width, height: image.height }, input.points);
    return { mask, width: image.width, height: image.height, score };
  } catch (err) {
    // onnxruntime's own text names neither: the annotator sees which model failed on which image.
    throw namedInferenceFailure(err, summary.name, image.file_name);
  }
}
