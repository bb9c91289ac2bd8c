import { z } from 'zod';
import { Id, ModelSummary, TensorInfo } from '../../domain';

/** An ONNX file's real tensors (models.inspect), and where models.writeManifest would put its manifest. */
export const ModelInspection = z.object({
  /** Absolute path of the ONNX file. */
  path: z.string(),
  inputs: z.array(TensorInfo),
  outputs: z.array(TensorInfo),
  /** `<stem>.tessera.yaml` beside the file, and whether it exists already. */
  manifestPath: z.string(),
  manifestExists: z.boolean(),
});
export type ModelInspection = z.infer<typeof ModelInspection>;

export const modelMethods = {
  /** Validates the manifest, hashes the ONNX file and checks its real tensor names/shapes against it. */
  /** A taken name is refused (CONFLICT) unless `replace`; manifest problems come all at once in details.issues. */
  'models.add': { input: z.object({ manifestPath: z.string().min(1), replace: z.boolean().optional() }), output: ModelSummary },
  'models.list': { input: z.object({}), output: z.array(ModelSummary) },
  'models.get': { input: z.object({ modelId: Id }), output: ModelSummary },
  /** Opens an ONNX file once (CPU) and returns its real input/output names, types and shapes. */
  'models.inspect': { input: z.object({ path: z.string().min(1) }), output: ModelInspection },
  /**
   * Writes a manifest beside an ONNX file as `<stem>.tessera.yaml` (or `.json`); `files.model` is set
   * to the file. Refused (CONFLICT) when that file exists, unless `overwrite`. Web clients may write
   * only inside the workspace.
   */
  'models.writeManifest': {
    input: z.object({
      onnxPath: z.string().min(1),
      manifest: z.record(z.string(), z.unknown()),
      format: z.enum(['yaml', 'json']).default('yaml'),
      overwrite: z.boolean().default(false),
    }),
    output: z.object({ manifestPath: z.string() }),
  },
} as const;
