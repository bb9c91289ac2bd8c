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

export function requiredInputs(manifest: ModelManifest): string[] {
  return ADAPTERS[manifest.kind]?.requiredInputs(manifest) ?? [];
}
