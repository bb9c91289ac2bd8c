import { z } from 'zod';

/**
 * The `meta` of a stored heatmap, by the heatmap's name: what model runs (engine/models/adapters)
 * and prediction imports write. Known keys are typed; other keys (geometry, provenance notes) are kept
 * as they are. Parsing never fails on a malformed known key: it is dropped (a list keeps its valid
 * entries), so one odd row cannot hide an image's other heatmaps and the viewer falls back to the
 * defaults it documents (grid from the token count, class ids channel + 1, no points or token sets).
 */

/** An optional key that is absent when malformed. */
const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/** A list keeping only the entries `item` accepts; [] when absent or not a list. */
const validEntries = <T extends z.ZodType>(item: T) =>
  z
    .array(z.unknown())
    .optional()
    .catch(undefined)
    .transform((xs): Array<z.output<T>> =>
      (xs ?? []).flatMap((x) => {
        const parsed = item.safeParse(x);
        return parsed.success ? [parsed.data as z.output<T>] : [];
      }),
    );

const positiveInt = z.number().int().positive();
const tokenIndex = z.number().int().nonnegative();

/** `cam` [C,h,w]: a model run's display CAM, or an imported CAM (`.npy` [C,h,w], ToCo/IRN `.npz`). */
export const CamMeta = z.looseObject({
  /** Dataset class of each channel (model runs); the viewer's pseudo label uses them. */
  classIds: lenient(z.array(z.number().int().min(1).max(254))),
  /** Which channels counted as present in the run's own pseudo label, and by which rule. */
  present: lenient(z.array(z.boolean())),
  presence: lenient(z.string()),
  /** The background threshold the run used. */
  threshold: lenient(z.number()),
  /** ToCo's ignore_mid bands when the run's pseudo label is three-band (manifest `three_band`). */
  threeBand: lenient(z.object({ high: z.number(), low: z.number(), ignoreIndex: z.number().int().min(1).max(255) })),
  /** Imports: the file the map came from; ToCo/IRN `keys` (class index - 1) and the class indices they name. */
  source: lenient(z.string()),
  keys: lenient(z.array(z.number().int())),
  classIndices: lenient(z.array(z.number().int())),
});
export type CamMeta = z.output<typeof CamMeta>;

/** `patch_tokens` [N,D]: the patch grid; tokens beyond gridH x gridW are prefix tokens (CLS, registers) at the front. */
export const PatchTokensMeta = z.looseObject({ gridH: lenient(positiveInt), gridW: lenient(positiveInt) });
export type PatchTokensMeta = z.output<typeof PatchTokensMeta>;

/** A SasP point prompt in image pixels: label 1 positive, 0 negative, -1 neutral (absent or malformed label: -1). */
export const SasPoint = z.looseObject({ x: z.number(), y: z.number(), label: z.number().catch(-1), score: lenient(z.number()) });
export type SasPoint = z.output<typeof SasPoint>;

/** `seg_similarity` [h,w]: READ's <SEG> similarity map, its point prompts and the sample's query. */
export const SegSimilarityMeta = z.looseObject({
  query: lenient(z.string().nullable()),
  points: validEntries(SasPoint),
  /** The decoder model's name, null without one. */
  decoder: lenient(z.string().nullable()),
});
export type SegSimilarityMeta = z.output<typeof SegSimilarityMeta>;

/** `token_importance` [h,w]: HiPrune's per-token score and its anchor / buffer / register token sets. */
export const TokenImportanceMeta = z.looseObject({
  anchors: validEntries(tokenIndex),
  buffers: validEntries(tokenIndex),
  registers: validEntries(tokenIndex),
  retention: lenient(positiveInt),
});
export type TokenImportanceMeta = z.output<typeof TokenImportanceMeta>;

/** `probability` [h,w]: foreground probability and the threshold the run's mask used. */
export const ProbabilityMeta = z.looseObject({ threshold: lenient(z.number()) });
export type ProbabilityMeta = z.output<typeof ProbabilityMeta>;

/** Maps shown as they are: CLS attention, token PageRank, embedding norm, an imported `.npy` `heatmap`. */
export const PLAIN_HEATMAP_NAMES = ['cls_attention', 'token_pagerank', 'embedding_norm', 'heatmap'] as const;
export const PlainHeatmapMeta = z.looseObject({});

/** A heatmap's name with its meta, discriminated by the name. */
export const NamedHeatmapMeta = z.discriminatedUnion('name', [
  z.object({ name: z.literal('cam'), meta: CamMeta }),
  z.object({ name: z.literal('patch_tokens'), meta: PatchTokensMeta }),
  z.object({ name: z.literal('seg_similarity'), meta: SegSimilarityMeta }),
  z.object({ name: z.literal('token_importance'), meta: TokenImportanceMeta }),
  z.object({ name: z.literal('probability'), meta: ProbabilityMeta }),
  z.object({ name: z.enum(PLAIN_HEATMAP_NAMES), meta: PlainHeatmapMeta }),
]);
export type NamedHeatmapMeta = z.output<typeof NamedHeatmapMeta>;
export type HeatmapName = NamedHeatmapMeta['name'];
