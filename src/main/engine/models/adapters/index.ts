import type { ModelKind, ModelManifest } from '../../../../shared/domain';
import type { Adapter } from './types';
import { semanticSegAdapter } from './semanticSeg';
import { probabilityMapAdapter } from './probabilityMap';
import { camAdapter } from './cam';
import { patchTokensAdapter } from './patchTokens';
import { segTokenAdapter } from './segToken';
import { promptDecoderAdapter } from './promptDecoder';
import { imageEncoderAdapter } from './imageEncoder';

/** One adapter per model kind: a new kind is a new file plus one line here. */
export const ADAPTERS: Partial<Record<ModelKind, Adapter>> = {
  'semantic-seg': semanticSegAdapter,
  'probability-map': probabilityMapAdapter,
  cam: camAdapter,
  'patch-tokens': patchTokensAdapter,
  'seg-token': segTokenAdapter,
  'prompt-decoder': promptDecoderAdapter,
  'image-encoder': imageEncoderAdapter,
};

/**
 * Each adapter's version, part of every cached output's key: bump a kind's number whenever its
 * adapter turns the same tensors into different regions or heatmaps, so no run reuses old outputs.
 */
export const ADAPTER_VERSIONS: Record<ModelKind, number> = {
  'semantic-seg': 2,
  'probability-map': 2,
  cam: 4,
  'patch-tokens': 3,
  'seg-token': 2,
  'prompt-decoder': 2,
  'image-encoder': 2,
};

/** Output roles a manifest must map for its kind (alternatives: any one of them). */
export const REQUIRED_OUTPUT_ROLES: Record<ModelKind, ReadonlyArray<readonly string[]>> = {
  'semantic-seg': [['logits']],
  'probability-map': [['probability', 'logits']],
  cam: [['cam']],
  'patch-tokens': [['patch_tokens']],
  'seg-token': [['image_hidden'], ['seg_hidden']],
  'prompt-decoder': [['masks']],
  'image-encoder': [['image_embeddings']],
};

export function requiredInputs(manifest: ModelManifest): string[] {
  return ADAPTERS[manifest.kind]?.requiredInputs(manifest) ?? [];
}
