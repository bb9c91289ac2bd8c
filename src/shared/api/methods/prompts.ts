import { z } from 'zod';
import { Id } from '../../domain';

export const PromptPoint = z.object({ x: z.number(), y: z.number(), label: z.union([z.literal(1), z.literal(0)]) });

/** A proposed binary mask, cropped to its bounding box: `mask` is base64 of w*h bytes (0/1), row-major. */
export const ProposedMask = z.object({
  width: z.number().int(),
  height: z.number().int(),
  box: z.object({ x: z.number().int(), y: z.number().int(), w: z.number().int(), h: z.number().int() }).nullable(),
  mask: z.string(),
  area: z.number().int(),
  score: z.number().nullable(),
});
export type ProposedMask = z.infer<typeof ProposedMask>;

export const promptMethods = {
  /** Positive/negative clicks through a SAM-style prompt-decoder model; the user accepts or adjusts. */
  'annotations.propose': {
    input: z.object({ imageId: Id, modelId: Id, points: z.array(PromptPoint).min(1).max(64) }),
    output: ProposedMask,
  },
} as const;
