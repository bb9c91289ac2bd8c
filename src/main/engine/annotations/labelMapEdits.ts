import { ApiError } from '../../../shared/api/errors';
import type { AnnotationRevision, MaskPatch } from '../../../shared/api/methods/annotations';
import type { EngineDeps } from '../deps';
import { checkPaintedLabels, decodePatchBytes, deflateLabels, inflateLabels, type LabelRule, type PatchInput } from './patchBytes';
import { planEdit, sameBytes, type Box, type RegionChange, type RegionPixels } from './regionEdit';
import { sharedPool } from '../workers/pool';
import { groundTruthRegions, UNLABELLED_REGION_ID } from './unlabelled';
import type { RegionStep } from '../store/repos/annotations';

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
function labelRule(deps: Deps, t: Target): LabelRule {
  const allowed = new Array<number>(256).fill(0);
  allowed[255] = 1;
  if (t.queryMask) {
    allowed[0] = 1;
    allowed[1] = 1;
    return { allowed, says: "a query's mask holds 0, 1 and 255 (ignore)" };
  }
  const list = deps.repos.datasets.classes(t.datasetId);
  for (const c of list) allowed[c.index] = 1;
  return {
    allowed,
    says:
      list.length === 0
        ? 'the dataset has no classes yet: add them first (Datasets page, Classes; or tessera classes add NAME --dataset D)'
        : `the dataset's classes are ${list.map((c) => c.index).join(', ')} (255 is ignore)`,
  };
}

function state(deps: Deps, t: Target, step: { box: Box; editId: number } | null): AnnotationRevision {
  const h = deps.repos.annotations.history;
  const depth = h.depth(t.imageId, t.sampleId);
  return {
    imageId: t.imageId,
    revision: h.revision(t.imageId),
    canUndo: depth.undo > 0,
    canRedo: depth.redo > 0,
    box: step?.box ?? null,
    editId: step?.editId ?? null,
  };
}

/** The target map's current regions, each checked to be the image's size. */
function currentRegions(deps: Deps, t: Target): RegionPixels[] {
  const regions = groundTruthRegions(deps.repos, { id: t.sampleId, query: t.queryMask }, t.height, t.width);
  for (const [i, r] of regions.entries()) {
    if (r.rle.size[0] !== t.height || r.rle.size[1] !== t.width) {
      throw new ApiError(
        'CORRUPT_FILE',
        `${t.fileName}: region ${r.annotationId} is ${r.rle.size[0]}x${r.rle.size[1]} but the image is ${t.height}x${t.width} (region ${i})`,
      );
    }
  }
  return regions;
}

function staleBox(t: Target, box: Box, what: string): ApiError {
  return new ApiError(
    'CONFLICT',
    `${t.fileName}: ${what}: the label map in box ${box.w}x${box.h}+${box.x}+${box.y} has changed since it was read; reload it`,
    { imageId: t.imageId },
  );
}

/**
 * Planned changes as new annotation versions (and regions), inside the caller's transaction; returns
 * which versions they replaced, for the history (an undo puts those back).
 */
function writeChanges(deps: Deps, t: Target, changes: readonly RegionChange[]): RegionStep[] {
  const repo = deps.repos.annotations;
  return changes.map((c): RegionStep => {
    // A new region, or the unlabelled (all-ignore) map of an image without ground truth taking form.
    if (c.annotationId === null || c.annotationId === UNLABELLED_REGION_ID) {
      const id = repo.create({ sampleId: t.sampleId, classIdx: c.classIdx, rle: c.rle, area: c.area, bbox: c.bbox, source: 'edit' });
      return [id, 0, 1];
    }
    const before = repo.currentVersionOf(c.annotationId)?.version ?? 0;
    return [
      c.annotationId,
      before,
      repo.addVersion({ annotationId: c.annotationId, rle: c.rle, area: c.area, bbox: c.bbox, source: 'edit' }),
    ];
  });
}

/**
 * Undo by region versions: each region the edit changed gets back its content from before the edit
 * (as a new version; a region the edit made goes), so instances of one class stay apart, with their
 * ids and iscrowd. Written back as pixels, a pixel that regains class c went to the newest live region
 * of c: an erased COCO instance came back inside another. Only when every region is still as the edit
 * (or its last redo) left it, checked by content; false otherwise (and for history rows from before
 * migration 15), and nothing is written: the caller writes the pixels back instead.
 */
function restoreVersions(deps: Deps, editId: number, write: boolean): boolean {
  const repo = deps.repos.annotations;
  const steps = repo.history.regionsOf(editId);
  if (steps === null || steps.length === 0) return false;
  const restores: Array<{ id: number; content: NonNullable<ReturnType<typeof repo.versionContent>> | null }> = [];
  for (const [id, before, after] of steps) {
    const current = repo.currentVersionOf(id);
    const wrote = repo.versionContent(id, after);
    if (current === undefined || wrote === undefined || current.counts !== wrote.rle.counts) return false;
    const content = before === 0 ? null : repo.versionContent(id, before);
    if (content === undefined) return false;
    restores.push({ id, content });
  }
  if (!write) return true;
  for (const { id, content } of restores) {
    if (content === null) repo.dropCreatedByEdit(id);
    else repo.addVersion({ annotationId: id, ...content, source: 'edit' });
  }
  return true;
}

/**
 * Replaces the box's pixels `before` -> `after` as new annotation versions, inside the caller's
 * transaction. `before` must equal the stored pixels: a client working from an old copy gets CONFLICT
 * instead of silently overwriting someone else's edit.
 */
function writePatch(
  deps: Deps,
  t: Target,
  box: Box,
  before: Uint8Array,
  after: Uint8Array,
  what: string,
): { changes: RegionChange[]; steps: RegionStep[] } {
  const plan = planEdit({ regions: currentRegions(deps, t), height: t.height, width: t.width, box, before, after });
  if (plan.stale) throw staleBox(t, box, what);
  return { changes: plan.changes, steps: writeChanges(deps, t, plan.changes) };
}

/**
 * Boxes of at least this many pixels are checked and planned in the worker pool, the engine's thread
 * only reading the regions before and writing the changes after: an 8000x6000 whole-image edit
 * (Annotate's "copy the whole prediction") held the server's thread 8-13 s, every other request waiting.
 */
export const POOLED_EDIT_PIXELS = 1 << 20;

/** An edit's changes planned off the engine's thread, the revision of the map they were planned on, and (a new edit) its deflated patch. */
interface PooledPlan {
  revision: number;
  /** The patch changes no pixel (nothing to write). */
  noop: boolean;
  changes: RegionChange[];
  history: { before: Uint8Array; after: Uint8Array } | null;
}

/**
 * Plans `before` -> `after` on the map as it is at its current revision, in the worker pool: the
 * patch's bytes are decoded (and its labels checked against `rule`) there too, so the engine's thread
 * only reads the regions and the revision. The caller's write transaction must find the map still at
 * `revision` (checkRevision), else the changes are of an older map: every write to a map's regions
 * bumps its revision. With `record`, the deflated patch for the history row comes back too.
 */
async function planInPool(
  deps: Deps,
  t: Target,
  box: Box,
  patch: { before: PatchInput; after: PatchInput },
  what: string,
  options: { record: boolean; rule: LabelRule | null },
): Promise<PooledPlan> {
  const { revision, regions } = deps.db.transaction(() => ({
    revision: deps.repos.annotations.history.revision(t.imageId),
    regions: currentRegions(deps, t),
  }))();
  const plan = await sharedPool().run('planEdit', {
    regions,
    height: t.height,
    width: t.width,
    box,
    before: patch.before,
    after: patch.after,
    fileName: t.fileName,
    rule: options.rule,
    record: options.record,
  });
  if (plan.stale) throw staleBox(t, box, what);
  return { revision, noop: plan.noop, changes: plan.changes, history: plan.history };
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
export async function applyEdit(
  deps: Deps,
  input: { imageId: number; sampleId?: number | undefined; baseRevision: number; patch: MaskPatch },
  options: EditOptions = {},
): Promise<AnnotationRevision> {
  const t = editTarget(deps, input.imageId, input.sampleId);
  const { x, y, w, h } = input.patch;
  const box = { x, y, w, h };
  checkBox(t, box);
  const history = deps.repos.annotations.history;
  const onRevision = (current: number): string =>
    `the label map is at revision ${current}, the edit was made on revision ${input.baseRevision}`;
  // A large box: decoded, checked and planned in the pool (planInPool). A small one: here, in the transaction.
  let pooled: PooledPlan | null = null;
  let patch: { before: Uint8Array; after: Uint8Array } | null = null;
  if (w * h >= POOLED_EDIT_PIXELS) {
    checkRevision(history.revision(t.imageId), input.baseRevision, t, onRevision);
    pooled = await planInPool(deps, t, box, { before: { wire: input.patch.before }, after: { wire: input.patch.after } }, 'edit', {
      record: true,
      rule: labelRule(deps, t),
    });
  } else {
    patch = {
      before: decodePatchBytes(input.patch.before, w * h, `${t.fileName}: patch.before`),
      after: decodePatchBytes(input.patch.after, w * h, `${t.fileName}: patch.after`),
    };
    checkPaintedLabels(patch.before, patch.after, labelRule(deps, t), t.fileName);
  }
  let nowLabelled = false;
  const editId = deps.db.transaction((): number | null => {
    // A pooled plan was made at baseRevision: this also finds a map that moved while it was planned.
    checkRevision(history.revision(t.imageId), input.baseRevision, t, onRevision);
    let steps: RegionStep[];
    let deflated: { before: Uint8Array; after: Uint8Array };
    if (pooled !== null) {
      if (pooled.noop || pooled.history === null) return null;
      steps = writeChanges(deps, t, pooled.changes);
      deflated = pooled.history;
    } else {
      const { before, after } = patch as { before: Uint8Array; after: Uint8Array };
      if (sameBytes(before, after)) return null;
      steps = writePatch(deps, t, box, before, after, 'edit').steps;
      deflated = { before: deflateLabels(before), after: deflateLabels(after) };
    }
    if (steps.length === 0) return null;
    const id = history.record({
      imageId: t.imageId,
      sampleId: t.sampleId,
      box,
      before: deflated.before,
      after: deflated.after,
      regions: steps,
    });
    history.trimToBudget(options.historyBudgetBytes ?? DEFAULT_HISTORY_BUDGET_BYTES, id);
    history.bumpRevision(t.imageId);
    nowLabelled = deps.repos.datasets.markLabelledByImage(t.imageId);
    return id;
  })();
  if (editId !== null) deps.events.emit('data.changed', { topics: ['annotations', 'images'] });
  if (nowLabelled) deps.events.emit('data.changed', { topics: ['datasets'] });
  return state(deps, t, editId === null ? null : { box, editId });
}

/** annotations.undo / annotations.redo: writes the stored before (or after) back as new versions. */
export async function stepHistory(
  deps: Deps,
  imageId: number,
  direction: 'undo' | 'redo',
  sampleId?: number,
  /** The revision the client's map shows: another window's edit since then refuses the step (CONFLICT). */
  baseRevision?: number,
  /** The edit the client means to undo or redo: the step is refused (CONFLICT) when it would step another one. */
  editId?: number,
): Promise<AnnotationRevision> {
  const t = editTarget(deps, imageId, sampleId);
  const history = deps.repos.annotations.history;
  const checkBase = (): void => {
    if (baseRevision !== undefined)
      checkRevision(
        history.revision(imageId),
        baseRevision,
        t,
        (current) =>
          `the label map is at revision ${current} but the ${direction} was asked on revision ${baseRevision} (another window or tab edited it since; nothing was undone or redone)`,
      );
  };
  const nextEdit = () => (direction === 'undo' ? history.lastActive(imageId, t.sampleId) : history.firstUndone(imageId, t.sampleId));
  const stepOf = (edit: NonNullable<ReturnType<typeof nextEdit>>) => {
    const n = edit.w * edit.h;
    const stored = { before: inflateLabels(edit.before, n, `edit ${edit.id}`), after: inflateLabels(edit.after, n, `edit ${edit.id}`) };
    // An undo writes the edit's before back over its after; a redo its after over its before.
    const [from, to] = direction === 'undo' ? [stored.after, stored.before] : [stored.before, stored.after];
    return { id: edit.id, box: { x: edit.x, y: edit.y, w: edit.w, h: edit.h }, from, to, what: `${direction} of edit ${edit.id}` };
  };
  const checkEdit = (edit: ReturnType<typeof nextEdit>): void => {
    if (editId === undefined || edit?.id === editId) return;
    const which = direction === 'undo' ? 'newest edit not undone' : 'oldest undone edit';
    throw new ApiError(
      'CONFLICT',
      `${t.fileName}: the ${direction} was asked for edit ${editId}, but ${
        edit === undefined
          ? `there is no edit to ${direction}`
          : `the image's ${which} is edit ${edit.id} (another window or tab made or stepped it)`
      }; nothing was undone or redone`,
      { imageId, revision: history.revision(imageId) },
    );
  };
  checkBase();
  // A large step is planned in the worker pool on the map at its current revision (planInPool).
  let pooled: (PooledPlan & { editId: number }) | null = null;
  const next = nextEdit();
  checkEdit(next);
  // An undo that puts back region versions (restoreVersions) plans nothing: no pool for it.
  const byVersions = next !== undefined && direction === 'undo' && restoreVersions(deps, next.id, false);
  if (next !== undefined && !byVersions && next.w * next.h >= POOLED_EDIT_PIXELS) {
    // The stored patch is inflated in the pool too: an undo writes the edit's before back over its after.
    const [from, to] = direction === 'undo' ? [next.after, next.before] : [next.before, next.after];
    const plan = await planInPool(
      deps,
      t,
      { x: next.x, y: next.y, w: next.w, h: next.h },
      { before: { stored: from }, after: { stored: to } },
      `${direction} of edit ${next.id}`,
      { record: false, rule: null },
    );
    pooled = { ...plan, editId: next.id };
  }
  const stepped = deps.db.transaction((): { box: Box; editId: number } | null => {
    checkBase();
    if (pooled !== null)
      checkRevision(
        history.revision(imageId),
        pooled.revision,
        t,
        (current) =>
          `the label map moved to revision ${current} while the ${direction} was computed (another window or tab edited it); nothing was undone or redone`,
      );
    const edit = nextEdit();
    checkEdit(edit);
    if (edit === undefined) return null;
    const editBox = { x: edit.x, y: edit.y, w: edit.w, h: edit.h };
    if (direction !== 'undo' || !restoreVersions(deps, edit.id, true)) {
      let changes: readonly RegionChange[];
      let steps: RegionStep[];
      if (pooled !== null && pooled.editId === edit.id) {
        changes = pooled.changes;
        steps = writeChanges(deps, t, pooled.changes);
      } else {
        const step = stepOf(edit);
        ({ changes, steps } = writePatch(deps, t, editBox, step.from, step.to, step.what));
      }
      // A redo replaces versions as the edit did: the next undo puts back these.
      if (direction === 'redo') history.setRegions(edit.id, steps);
      // Regions the undone edit made, and the undo empties, go: an image that had no ground truth has none again.
      if (direction === 'undo')
        for (const c of changes) if (c.annotationId !== null && c.area === 0) deps.repos.annotations.dropUndoneCreation(c.annotationId);
    }
    history.setUndone(edit.id, direction === 'undo');
    history.bumpRevision(imageId);
    return { box: editBox, editId: edit.id };
  })();
  if (stepped !== null) deps.events.emit('data.changed', { topics: ['annotations', 'images'] });
  return state(deps, t, stepped);
}
