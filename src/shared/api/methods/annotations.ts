import { z } from 'zod';
import { BlobRef, Id } from '../../domain';

/**
 * Label bytes of a patch, row-major, w*h values: a plain number list, base64, or base64 of the
 * zlib-deflated bytes (what the UI sends: label patches shrink a hundredfold).
 */
export const PatchBytes = z.union([z.array(z.number().int().min(0).max(255)), z.base64(), z.object({ deflate: z.base64() })]);
export type PatchBytes = z.infer<typeof PatchBytes>;

/** A rectangle of an image in pixels. */
export const Box = z.object({
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  w: z.number().int().min(1),
  h: z.number().int().min(1),
});
export type Box = z.infer<typeof Box>;

/** One edit of a label map: a box and its pixels before (as the client saw them) and after. */
export const MaskPatch = Box.extend({ before: PatchBytes, after: PatchBytes });
export type MaskPatch = z.infer<typeof MaskPatch>;

/** Where an image's label map stands after a call: the revision to send as the next baseRevision. */
export const AnnotationRevision = z.object({
  imageId: Id,
  /** Bumped by every edit, undo and redo; 0 for a label map never edited here. */
  revision: z.number().int().min(0),
  canUndo: z.boolean(),
  canRedo: z.boolean(),
  /** The box the call changed; null when it changed nothing (nothing to undo, an edit that changes no pixel). */
  box: Box.nullable(),
  /**
   * The history row the call wrote (applyEdit) or stepped (undo/redo: the same id as the edit's): what
   * a client sends back as `editId` to undo or redo exactly that edit; null when nothing changed.
   */
  editId: Id.nullable(),
});
export type AnnotationRevision = z.infer<typeof AnnotationRevision>;

export const AnnotationRegion = z.object({
  annotationId: Id,
  classIdx: z.number().int().min(0).max(255),
  /** The current version; version 1 is the imported one and is always kept. */
  version: z.number().int().min(1),
  versions: z.number().int().min(1),
  area: z.number().int().min(0),
  deleted: z.boolean(),
  source: z.enum(['import', 'edit', 'prompt']),
});
export type AnnotationRegion = z.infer<typeof AnnotationRegion>;

/** A text-query sample of the image (referring / reasoning), with the queries it was imported with. */
export const QuerySample = z.object({ sampleId: Id, query: z.string(), queries: z.array(z.string()) });
export type QuerySample = z.infer<typeof QuerySample>;

export const AnnotationState = AnnotationRevision.omit({ box: true, editId: true }).extend({
  /**
   * The sample whose map is edited: the image's semantic sample, or a referring/reasoning query's
   * binary mask (the one asked for, else the image's first query when it has no label map); null
   * when the image has no sample at all.
   */
  sampleId: Id.nullable(),
  /** The query of that sample (its mask is 1 = what the query names, 255 = ignore); null for a label map. */
  query: z.string().nullable(),
  /** The current label map (raw row-major uint8, 255 = ignore). */
  labelMap: BlobRef,
  regions: z.array(AnnotationRegion),
  querySamples: z.array(QuerySample),
});
export type AnnotationState = z.infer<typeof AnnotationState>;

/** `sampleId`: a referring/reasoning query of the image whose mask is edited (default: the image's label map). */
const ImageInput = z.object({ imageId: Id, sampleId: Id.optional() });

/**
 * Undo/redo step through the image's one shared history (every window's and tab's edits). With
 * `baseRevision` (the revision the client's map shows, as the UI sends it) the step is refused with
 * CONFLICT when the map moved since (another window edited it): a client undoes only edits it has seen.
 * With `editId` (an id applyEdit returned) the step is refused with CONFLICT unless it is that very
 * edit the step would undo (the newest not undone) or redo (the oldest undone): a tab undoes its own
 * edit, never another window's that came after it.
 */
const HistoryStepInput = ImageInput.extend({ baseRevision: z.number().int().min(0).optional(), editId: Id.optional() });

/**
 * Editing ground truth. Every edit is a new annotation version (the imported version stays), the
 * history lives in SQLite (undo/redo survive a crash or a closed window), and an edit never changes a
 * pixel outside its box. A referring/reasoning sample's binary mask is edited the same way, with
 * `sampleId`; undo/redo step through that sample's edits. Errors: NOT_FOUND (image, or a sample not
 * of the image), CONFLICT (stale baseRevision, or `before` differs from the stored pixels),
 * INVALID_INPUT (box outside the image, wrong byte count).
 */
export const annotationMethods = {
  'annotations.get': { input: ImageInput, output: AnnotationState },
  'annotations.applyEdit': {
    input: z.object({ imageId: Id, sampleId: Id.optional(), baseRevision: z.number().int().min(0), patch: MaskPatch }),
    output: AnnotationRevision,
  },
  'annotations.undo': { input: HistoryStepInput, output: AnnotationRevision },
  'annotations.redo': { input: HistoryStepInput, output: AnnotationRevision },
  /** Edits the text query of a referring/reasoning sample; the imported queries stay in `queries`. */
  'samples.setQuery': {
    input: z.object({ sampleId: Id, query: z.string().trim().min(1).max(2000) }),
    output: QuerySample,
  },
} as const;
