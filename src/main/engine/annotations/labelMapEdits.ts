import { ApiError } from '../../../shared/api/errors';
import type { AnnotationRevision, MaskPatch } from '../../../shared/api/methods/annotations';
import type { EngineDeps } from '../deps';
import { decodePatchBytes, deflateLabels, inflateLabels } from './patchBytes';
import { paintBox, planRegionChanges, type Box, type RegionChange } from './regionEdit';

/** 64 MiB of deflated patches per workspace: thousands of strokes; the oldest go first. */
export const DEFAULT_HISTORY_BUDGET_BYTES = 64 * 1024 * 1024;

export interface EditOptions {
  historyBudgetBytes?: number;
}

interface Target {
  imageId: number;
  sampleId: number;
  width: number;
  height: number;
  fileName: string;
  datasetId: number;
  /** A query's mask (referring datasets: 0/1, 255 ignore) rather than a semantic label map. */
  queryMask: boolean;
}

type Deps = Pick<EngineDeps, 'db' | 'repos' | 'events'>;

/**
 * The image and the sample whose map an edit changes: `sampleId` when given (it must be the image's),
 * else the image's semantic sample, else (a referring/reasoning image) its first query's mask.
 */
export function editTarget(deps: Deps, imageId: number, sampleId?: number): Target {
  const image = deps.repos.images.get(imageId);
  if (image === undefined) throw new ApiError('NOT_FOUND', `image ${imageId} not found`);
  const samples = deps.repos.images.samples(imageId);
  if (sampleId !== undefined && !samples.some((s) => s.id === sampleId)) {
    throw new ApiError('NOT_FOUND', `sample ${sampleId} is not a sample of image ${imageId} (${image.file_name})`);
  }
  const target = sampleId ?? deps.repos.images.semanticSampleId(imageId) ?? samples[0]?.id;
  if (target === undefined) {
    throw new ApiError('INVALID_INPUT', `image ${imageId} (${image.file_name}) has no label map or query mask to edit`);
  }
  const queryMask = samples.find((s) => s.id === target)?.query != null;
  return {
    imageId,
    sampleId: target,
    width: image.width,
    height: image.height,
    fileName: image.file_name,
    datasetId: image.dataset_id,
    queryMask,
  };
}

/**
 * The label values an edit may write: a query's mask holds 0, 1 and 255 (ignore); a semantic label
 * map the dataset's classes and 255. Anything else was stored and then failed every score of the
 * dataset ("ground-truth region has class 200, outside the dataset's classes") until undone.
 */
function checkLabels(deps: Deps, t: Target, after: Uint8Array): void {
  const seen = new Uint8Array(256);
  for (let i = 0; i < after.length; i++) seen[after[i]!] = 1;
  const allowed = new Uint8Array(256);
  allowed[255] = 1;
  let classes: string;
  if (t.queryMask) {
    allowed[0] = 1;
    allowed[1] = 1;
    classes = "a query's mask holds 0, 1 and 255 (ignore)";
  } else {
    const list = deps.repos.datasets.classes(t.datasetId);
    for (const c of list) allowed[c.index] = 1;
    classes =
      list.length === 0
        ? 'the dataset has no classes yet: add classes first'
        : `the dataset's classes are ${list.map((c) => c.index).join(', ')} (255 is ignore)`;
  }
  for (let v = 0; v < 256; v++) {
    if (seen[v] === 1 && allowed[v] !== 1)
      throw new ApiError('INVALID_INPUT', `${t.fileName}: the edit paints label ${v}, which is not a class here: ${classes}`, { value: v });
  }
}

function state(deps: Deps, t: Target, box: Box | null): AnnotationRevision {
  const h = deps.repos.annotations.history;
  const depth = h.depth(t.imageId, t.sampleId);
  return { imageId: t.imageId, revision: h.revision(t.imageId), canUndo: depth.undo > 0, canRedo: depth.redo > 0, box };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Replaces the box's pixels `before` -> `after` as new annotation versions, inside the caller's
 * transaction. `before` must equal the stored pixels: a client working from an old copy gets CONFLICT
 * instead of silently overwriting someone else's edit.
 */
function writePatch(deps: Deps, t: Target, box: Box, before: Uint8Array, after: Uint8Array, what: string): RegionChange[] {
  const repo = deps.repos.annotations;
  const regions = repo.currentForSample(t.sampleId);
  for (const [i, r] of regions.entries()) {
    if (r.rle.size[0] !== t.height || r.rle.size[1] !== t.width) {
      throw new ApiError(
        'CORRUPT_FILE',
        `${t.fileName}: region ${r.annotationId} is ${r.rle.size[0]}x${r.rle.size[1]} but the image is ${t.height}x${t.width} (region ${i})`,
      );
    }
  }
  if (!sameBytes(paintBox(regions, box), before)) {
    throw new ApiError(
      'CONFLICT',
      `${t.fileName}: ${what}: the label map in box ${box.w}x${box.h}+${box.x}+${box.y} has changed since it was read; reload it`,
      {
        imageId: t.imageId,
      },
    );
  }
  const changes = planRegionChanges(regions, t.height, t.width, box, after);
  for (const c of changes) {
    if (c.annotationId === null)
      repo.create({ sampleId: t.sampleId, classIdx: c.classIdx, rle: c.rle, area: c.area, bbox: c.bbox, source: 'edit' });
    else repo.addVersion({ annotationId: c.annotationId, rle: c.rle, area: c.area, bbox: c.bbox, source: 'edit' });
  }
  return changes;
}

function checkBox(t: Target, box: Box): void {
  if (box.x + box.w > t.width || box.y + box.h > t.height) {
    throw new ApiError(
      'INVALID_INPUT',
      `${t.fileName}: edit box ${box.w}x${box.h}+${box.x}+${box.y} reaches outside the image (${t.width}x${t.height})`,
    );
  }
}

/** CONFLICT unless the stored label map is at the revision the client worked on (`why` says what was asked). */
function checkRevision(current: number, base: number, t: Target, why: (current: number) => string): void {
  if (current === base) return;
  throw new ApiError('CONFLICT', `${t.fileName}: ${why(current)}; reload it`, { imageId: t.imageId, revision: current });
}

/** annotations.applyEdit: one transaction for the versions, the history row and the revision. */
export function applyEdit(
  deps: Deps,
  input: { imageId: number; sampleId?: number | undefined; baseRevision: number; patch: MaskPatch },
  options: EditOptions = {},
): AnnotationRevision {
  const t = editTarget(deps, input.imageId, input.sampleId);
  const { x, y, w, h } = input.patch;
  const box = { x, y, w, h };
  checkBox(t, box);
  const before = decodePatchBytes(input.patch.before, w * h, `${t.fileName}: patch.before`);
  const after = decodePatchBytes(input.patch.after, w * h, `${t.fileName}: patch.after`);
  checkLabels(deps, t, after);
  const history = deps.repos.annotations.history;
  let nowLabelled = false;
  const changed = deps.db.transaction(() => {
    checkRevision(
      history.revision(t.imageId),
      input.baseRevision,
      t,
      (current) => `the label map is at revision ${current}, the edit was made on revision ${input.baseRevision}`,
    );
    if (sameBytes(before, after)) return false;
    if (writePatch(deps, t, box, before, after, 'edit').length === 0) return false;
    const editId = history.record({
      imageId: t.imageId,
      sampleId: t.sampleId,
      box,
      before: deflateLabels(before),
      after: deflateLabels(after),
    });
    history.trimToBudget(options.historyBudgetBytes ?? DEFAULT_HISTORY_BUDGET_BYTES, editId);
    history.bumpRevision(t.imageId);
    nowLabelled = deps.repos.datasets.markLabelledByImage(t.imageId);
    return true;
  })();
  if (changed) deps.events.emit('data.changed', { topics: ['annotations', 'images'] });
  if (nowLabelled) deps.events.emit('data.changed', { topics: ['datasets'] });
  return state(deps, t, changed ? box : null);
}

/** annotations.undo / annotations.redo: writes the stored before (or after) back as new versions. */
export function stepHistory(
  deps: Deps,
  imageId: number,
  direction: 'undo' | 'redo',
  sampleId?: number,
  /** The revision the client's map shows: another window's edit since then refuses the step (CONFLICT). */
  baseRevision?: number,
): AnnotationRevision {
  const t = editTarget(deps, imageId, sampleId);
  const history = deps.repos.annotations.history;
  const box = deps.db.transaction((): Box | null => {
    if (baseRevision !== undefined)
      checkRevision(
        history.revision(imageId),
        baseRevision,
        t,
        (current) =>
          `the label map is at revision ${current} but the ${direction} was asked on revision ${baseRevision} (another window or tab edited it since; nothing was undone or redone)`,
      );
    const edit = direction === 'undo' ? history.lastActive(imageId, t.sampleId) : history.firstUndone(imageId, t.sampleId);
    if (edit === undefined) return null;
    const editBox = { x: edit.x, y: edit.y, w: edit.w, h: edit.h };
    const n = edit.w * edit.h;
    const before = inflateLabels(edit.before, n, `edit ${edit.id}`);
    const after = inflateLabels(edit.after, n, `edit ${edit.id}`);
    if (direction === 'undo') {
      // Regions the undone edit made, and the undo empties, go: an image that had no ground truth has none again.
      for (const c of writePatch(deps, t, editBox, after, before, `undo of edit ${edit.id}`))
        if (c.annotationId !== null && c.area === 0) deps.repos.annotations.dropUndoneCreation(c.annotationId);
    } else writePatch(deps, t, editBox, before, after, `redo of edit ${edit.id}`);
    history.setUndone(edit.id, direction === 'undo');
    history.bumpRevision(imageId);
    return editBox;
  })();
  if (box !== null) deps.events.emit('data.changed', { topics: ['annotations', 'images'] });
  return state(deps, t, box);
}
