import { z } from 'zod';
import { Id } from '../../domain';

export const ReviewState = z.enum(['unreviewed', 'in-review', 'reviewed', 'rejected']);
export type ReviewState = z.infer<typeof ReviewState>;

export const TagSummary = z.object({
  id: Id,
  name: z.string(),
  color: z.string().nullable(),
  imageCount: z.number().int(),
  sampleCount: z.number().int(),
});
export type TagSummary = z.infer<typeof TagSummary>;

const TagName = z
  .string()
  .min(1, 'a tag name cannot be empty')
  .max(100, 'a tag name has at most 100 characters')
  .regex(/^[^,\s][^,]*$/, 'tag names cannot contain commas or start with a space');

/** Tags build evaluation subsets (`--subset TAG`); review state tracks correction work per image. */
export const tagMethods = {
  'tags.list': { input: z.object({ datasetId: Id.optional() }), output: z.array(TagSummary) },
  /** Creates the tag if needed and applies it; returns how many links were newly made. */
  'tags.apply': {
    input: z.object({ tag: TagName, imageIds: z.array(Id).max(100_000).default([]), sampleIds: z.array(Id).max(100_000).default([]) }),
    output: z.object({ tagId: Id, applied: z.number().int() }),
  },
  'tags.remove': {
    input: z.object({ tag: TagName, imageIds: z.array(Id).max(100_000).default([]), sampleIds: z.array(Id).max(100_000).default([]) }),
    output: z.object({ removed: z.number().int() }),
  },
  'images.setReviewState': {
    input: z.object({ imageIds: z.array(Id).min(1).max(100_000), state: ReviewState }),
    output: z.object({ updated: z.number().int() }),
  },
} as const;
