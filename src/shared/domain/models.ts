import { z } from 'zod';
import { Id } from './ids';

export const ModelKind = z.enum(['semantic-seg', 'probability-map', 'cam', 'patch-tokens', 'seg-token', 'prompt-decoder', 'image-encoder']);
export type ModelKind = z.infer<typeof ModelKind>;

export const SizePolicy = z.enum(['fixed', 'resize', 'longest-side-pad', 'shortest-side-center-crop', 'keep-aspect']);
export type SizePolicy = z.infer<typeof SizePolicy>;

const Triple = z.tuple([z.number(), z.number(), z.number()]);
const Rgb255 = z.tuple([z.number().int().min(0).max(255), z.number().int().min(0).max(255), z.number().int().min(0).max(255)]);

/**
 * How the resize step samples the image (see docs/manifest.md):
 *  - torch-bilinear: F.interpolate(bilinear, align_corners=False, no antialias) on the float image
 *  - pil-bilinear: Pillow's Image.resize(BILINEAR) on the 8-bit image (antialiased; torchvision's PIL path, SAM)
 *  - pil-bicubic: Pillow's Image.resize(BICUBIC) on the 8-bit image (CLIP image processors)
 *  - cv2-linear: OpenCV's cv2.resize(INTER_LINEAR) on the 8-bit image (PaddleOCR)
 */
export const Interpolation = z.enum(['torch-bilinear', 'pil-bilinear', 'pil-bicubic', 'cv2-linear']);
export type Interpolation = z.infer<typeof Interpolation>;

/**
 * How an image becomes the input tensor. By default every resize of the network input is bilinear
 * with align_corners=False and no antialiasing, on the float image (torch F.interpolate); with
 * `interpolation` the 8-bit image is resized first, as PIL or OpenCV do it (SAM, CLIP, PaddleOCR).
 *  - fixed: the image at its own size (fully convolutional models with dynamic dims)
 *  - resize: stretched to `size` (ToCo's 448x448)
 *  - longest-side-pad: longest side scaled to size, zero-padded bottom/right (SAM)
 *  - shortest-side-center-crop: shortest side scaled to size, centre crop (CLIP / LLaVA)
 *  - keep-aspect: PaddleOCR's DetResizeForTest (limit_type "max"): when the longest side exceeds
 *    `size` it is scaled down to it (ratio = size / longest, each side truncated), otherwise kept;
 *    then each side is rounded (half to even, as Python's round) to a multiple of `multiple`, at
 *    least `multiple`. The image is stretched to that size: no padding, no crop.
 */
export const InputSpec = z.strictObject({
  tensor: z.string().min(1),
  policy: SizePolicy,
  /** [height, width]; a single number means a square. */
  size: z
    .union([z.number().int().positive(), z.tuple([z.number().int().positive(), z.number().int().positive()])])
    .transform((s) => (typeof s === 'number' ? ([s, s] as [number, number]) : s)),
  mean: Triple.default([0, 0, 0]),
  std: Triple.default([1, 1, 1]).refine((s) => s.every((v) => v !== 0), 'std values must be non-zero'),
  /** Pixel values before normalization: [0, 1] or [0, 255] (also accepted as "0-1" / "0-255"). */
  range: z
    .union([
      z.tuple([z.literal(0), z.literal(1)]),
      z.tuple([z.literal(0), z.literal(255)]),
      z.enum(['0-1', '0-255']),
      z.literal(1),
      z.literal(255),
    ])
    .default([0, 255])
    // Normalized to the maximum (1 or 255); accepting that form too keeps the schema idempotent for stored manifests.
    .transform((r): 1 | 255 => (r === '0-1' || r === 1 || (Array.isArray(r) && r[1] === 1) ? 1 : 255)),
  channel_order: z.enum(['RGB', 'BGR']).default('RGB'),
  /** keep-aspect only: each side becomes a multiple of this (PaddleOCR: 32). */
  multiple: z.number().int().min(1).max(1024).optional(),
  /**
   * The resize step's sampling: torch on the float image (absent = `torch-bilinear`) or PIL / OpenCV
   * on the 8-bit image. Left absent rather than defaulted so manifests without it keep their
   * normalized form (and so their cache keys and stored specs).
   */
  interpolation: Interpolation.optional(),
});
export type InputSpec = z.output<typeof InputSpec>;

/** One-line summary of an input spec (`models list`, the Models page), e.g. `448x448 resize RGB 0-255 mean/std`. */
export function describeInput(spec: InputSpec): string {
  const [h, w] = spec.size;
  // fixed: the image's own size, so `size` plays no part; keep-aspect: longest-side limit / multiple.
  const size =
    spec.policy === 'fixed' ? '' : spec.policy === 'keep-aspect' ? `max ${Math.max(h, w)} /${spec.multiple ?? 1} ` : `${h}x${w} `;
  const normalized = spec.mean.some((v) => v !== 0) || spec.std.some((v) => v !== 1);
  // The resize method only when it is not the default torch-bilinear (e.g. "cv2-linear" for PaddleOCR).
  const resize = spec.interpolation === undefined || spec.interpolation === 'torch-bilinear' ? '' : ` ${spec.interpolation}`;
  return `${size}${spec.policy}${resize} ${spec.channel_order} ${spec.range === 1 ? '0-1' : '0-255'}${normalized ? ' mean/std' : ''}`;
}

export const ClassSpec = z.object({
  names: z.array(z.string().min(1)).max(255),
  palette: z.array(Rgb255).optional(),
  /** Index of the background class in `names`, or null when there is none. */
  background: z.number().int().min(0).nullable().default(0),
});
export type ClassSpec = z.output<typeof ClassSpec>;

/** Bundle-only seg-token manifests need no image input; this placeholder keeps the type uniform. */
const BUNDLE_INPUT = { tensor: 'image', policy: 'fixed', size: [1, 1] };

/** docs/design.md §4.1 (fields: docs/manifest.md): a manifest (JSON or YAML) beside the .onnx. */
export const ModelManifest = z.preprocess(
  (raw) => {
    // A seg-token model may be precomputed tensors only (files.bundles: .npz/.safetensors per sample).
    if (typeof raw !== 'object' || raw === null) return raw;
    const r = raw as Record<string, unknown>;
    const files = r['files'] as Record<string, unknown> | undefined;
    if (r['kind'] === 'seg-token' && files?.['bundles'] !== undefined && files['model'] === undefined && r['input'] === undefined) {
      return { ...r, input: BUNDLE_INPUT };
    }
    return raw;
  },
  z
    .object({
      name: z.string().min(1).max(200),
      kind: ModelKind,
      description: z.string().optional(),
      toy: z.boolean().default(false),
      /** Role -> file name relative to the manifest; `model` is the main graph, `bundles` a folder of per-sample tensors. */
      files: z.object({ model: z.string().min(1).optional(), bundles: z.string().min(1).optional() }).catchall(z.string().min(1)),
      input: InputSpec,
      /** Role -> output tensor name. */
      outputs: z.record(z.string(), z.string().min(1)),
      classes: ClassSpec.optional(),
      params: z.record(z.string(), z.unknown()).default({}),
      execution_providers: z.array(z.enum(['cuda', 'cpu'])).default(['cuda', 'cpu']),
    })
    .strict()
    .refine((m) => m.files.model !== undefined || (m.kind === 'seg-token' && m.files.bundles !== undefined), {
      message: 'files.model is required (only a seg-token model may instead give files.bundles, a folder of .npz/.safetensors per sample)',
      path: ['files', 'model'],
    }),
);
export type ModelManifest = z.output<typeof ModelManifest>;

export const TensorInfo = z.object({ name: z.string(), type: z.string(), shape: z.array(z.union([z.number(), z.string()])) });
export type TensorInfo = z.infer<typeof TensorInfo>;

export const ModelSummary = z.object({
  id: Id,
  name: z.string(),
  kind: ModelKind,
  toy: z.boolean(),
  path: z.string(),
  sha256: z.string(),
  inputs: z.array(TensorInfo),
  outputs: z.array(TensorInfo),
  classes: z.array(z.string()),
  /** How images become the input tensor (the manifest's `input`, normalized); null for a model that takes no image (precomputed bundles). */
  input: InputSpec.nullable(),
  manifest: z.record(z.string(), z.unknown()),
  addedAt: z.string(),
});
export type ModelSummary = z.infer<typeof ModelSummary>;

export const Device = z.enum(['auto', 'cpu', 'cuda']);
export type Device = z.infer<typeof Device>;
