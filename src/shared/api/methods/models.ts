import { z } from 'zod';
import { Id, ModelSummary } from '../../domain';

export const modelMethods = {
  /** Validates the manifest, hashes the ONNX file and checks its real tensor names/shapes against it. */
  'models.add': { input: z.object({ manifestPath: z.string().min(1) }), output: ModelSummary },
  'models.list': { input: z.object({}), output: z.array(ModelSummary) },
  'models.get': { input: z.object({ modelId: Id }), output: ModelSummary },
} as const;
