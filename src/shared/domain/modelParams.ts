import { z } from 'zod';
import type { ModelKind } from './models';

/**
 * `params` of a manifest, per model kind. Known keys are checked for type and range when the model
 * is added (a threshold of "0.5" or 30 is an error, never a silent default); other keys are kept as
 * documentation (grid sizes, widths) and ignored. The same schemas give the adapters their typed
 * params with the defaults below filled in (engine/models/adapters/params.ts, parsed once per loaded
 * model); the stored manifest keeps what its file said.
 */
const unit = z.number().min(0).max(1);
const positiveInt = z.number().int().min(1);
const nonNegativeInt = z.number().int().min(0);
const scales = z.array(z.number().gt(0).max(8)).min(1).max(16);

const common = {
  patch_size: positiveInt.max(1024).optional(),
  output_stride: positiveInt.max(1024).optional(),
};

export const SemanticSegParams = z.looseObject({ ...common, output_type: z.enum(['logits', 'probability']).optional() });

export const ProbabilityMapParams = z.looseObject({
  ...common,
  output_type: z.enum(['logits', 'probability']).optional(),
  /** Foreground where the probability (after sigmoid for logits) is above this. */
  threshold: unit.default(0.5),
});

export const CamParams = z.looseObject({
  ...common,
  cam_channels: z.enum(['foreground', 'all']).optional(),
  scales: scales.optional(),
  flip: z.boolean().default(true),
  bg_threshold: unit.default(0.5),
  /** ToCo's ignore_mid pseudo label: 255 at or below high, background at or below low. */
  three_band: z
    .strictObject({ high: unit, low: unit })
    .refine((b) => b.low <= b.high, { message: 'low must be at most high (ToCo: high 0.7, low 0.25)' })
    .optional(),
  benchmark_only: z.boolean().optional(),
});

export const PatchTokensParams = z.looseObject({
  ...common,
  patch_size: positiveInt.max(1024).default(16),
  attention_prefix_tokens: nonNegativeInt.default(1),
  patch_tokens_prefix_tokens: nonNegativeInt.default(0),
  attention_layers: z.array(nonNegativeInt).optional(),
  hiprune_retention: positiveInt.optional(),
});

export const SaspParams = z.strictObject({
  downSample: positiveInt.max(64).optional(),
  positiveThreshold: unit.optional(),
  negativeThreshold: unit.optional(),
  maxPoints: nonNegativeInt.max(4096).optional(),
  continuous: z.boolean().optional(),
  cropSize: positiveInt.optional(),
});

export const SegTokenParams = z.looseObject({
  ...common,
  query: z
    .strictObject({ tensor: z.string().min(1), encoding: z.literal('one-hot'), vocabulary: z.array(z.string().min(1)).min(1) })
    .optional(),
  /** Name of a registered prompt-decoder model fed READ's points. */
  decoder: z.string().min(1).optional(),
  /** Without a decoder: foreground where the min-max similarity is above this. */
  mask_threshold: unit.default(0.5),
  sasp: SaspParams.default({}),
  similarity: z.literal('dot').optional(),
  /** READ runs in bf16: `bfloat16` reproduces its rounding of (image * seg).sum(-1); default float64. */
  similarity_precision: z.enum(['float64', 'bfloat16']).default('float64'),
});

const EncoderRef = z.strictObject({
  file: z.string().min(1).optional(),
  input: z.string().min(1).optional(),
  output: z.string().min(1).optional(),
});

export const PromptDecoderParams = z.looseObject({
  ...common,
  encoder: EncoderRef.optional(),
  /** Name of a registered image-encoder model whose embeddings this decoder uses. */
  encoder_model: z.string().min(1).optional(),
  mask_threshold: z.number().optional(),
  multimask_output: z.boolean().optional(),
  text_embeds: z.boolean().default(false),
});

export const ImageEncoderParams = z.looseObject({ ...common });

export const PARAMS_SCHEMAS = {
  'semantic-seg': SemanticSegParams,
  'probability-map': ProbabilityMapParams,
  cam: CamParams,
  'patch-tokens': PatchTokensParams,
  'seg-token': SegTokenParams,
  'prompt-decoder': PromptDecoderParams,
  'image-encoder': ImageEncoderParams,
} satisfies Record<ModelKind, z.ZodType>;

/** A kind's params as the adapters read them: checked, defaults filled in. */
export type ModelParams<K extends ModelKind> = z.output<(typeof PARAMS_SCHEMAS)[K]>;
