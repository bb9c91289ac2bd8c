/**
 * The reads the read worker serves (store/readWorker/ReadWorker.ts): datasets with their counts
 * (a scan of their images: ~80 ms at 100k), the gallery's pages and id lists, and per-image and dataset scores of a run whose metric rows are up to date. They only read,
 * so they run on a read-only connection in a worker thread and never hold the engine's event loop;
 * the same code runs in the engine's thread when there is no worker (a read-only store, or a worker
 * that could not start).
 */
import { ApiError } from '../../../../shared/api/apiError';
import type { RunScores } from '../../../../shared/api/methods/metrics';
import type { DatasetSummary, ImageFilter, ImageSummary } from '../../../../shared/domain';
import { deletePlanFacts, type DeletePlanFacts } from '../../datasets/deletePlanFacts';
import { planEvaluation } from '../../metrics/evaluateRun';
import { requireDatasetRun } from '../../metrics/lookup';
import { currentSamples } from '../../metrics/evaluationSet';
import { checkTwoRuns, prepareComparison, type PreparedComparison } from '../../metrics/comparePairs';
import { checkSubsetInDataset } from '../repos/metricRows';
import { perImageOfFresh, perImageOfSamples, scoresOfFresh, type FreshRun } from '../../metrics/scores';
import type { Db } from '../db';
import { scoredRunIds } from '../repos/evaluation';
import { imageReads, type ImageReads } from '../repos/images';
import type { Repos } from '../store';
import { datasetsRepo } from '../repos/datasets';
import { runsRepo } from '../repos/runs';
import { scoreInputVersions, VersionedCache, type ScoreInputVersions } from '../scoreInputs';
import { readScoreSnapshot, type SampleListColumns, type ScoreListKeeper } from '../scoreSnapshots';
import { readSummarySnapshot } from '../summarySnapshots';
import { completeRunScores, imageScoreColumns, prepareScoreSort, type ImageScoreColumns } from './perImageColumns';

export type ReadRequest =
  | { op: 'datasets.list' }
  | { op: 'datasets.get'; datasetId: number }
  | { op: 'images.page'; datasetId: number; offset: number; limit: number; filter: ImageFilter }
  | { op: 'images.ids'; datasetId: number; filter: ImageFilter }
  | { op: 'images.summaries'; datasetId: number; imageIds: number[] }
  /** null when the run's metric rows need a catch-up first (a write: the engine's thread does it). */
  | { op: 'metrics.perImage'; datasetId: number; runId: number; subset?: string | undefined; classIdx?: number | undefined }
  | { op: 'metrics.scores'; datasetId: number; runId: number; subset?: string | undefined }
  /** A paired comparison (metrics/comparePairs.ts); null when a run's metric rows need a catch-up first. */
  | {
      op: 'metrics.compare';
      datasetId: number;
      runIds: [number, number];
      subset?: string | undefined;
      seed: number;
      samples: number;
    }
  /** Lists a run's whole-dataset per-image scores and keeps them in the store when idle; false without a writer. */
  | { op: 'metrics.keepPerImage'; datasetId: number; runId: number }
  /** Does the worker's idle work now (the engine is closing); null. */
  | { op: 'idle.finish' }
  /** What deleting a dataset would remove (datasets/deletePlanFacts.ts); `cacheDir`: the workspace's cache folder. */
  | { op: 'datasets.deletePlan'; datasetId: number; cacheDir: string; beingDeleted: boolean }
  /** A PASSIVE checkpoint of the WAL by the worker's writer (store/walCheckpoint.ts); in the engine's thread, nothing. */
  | { op: 'wal.checkpoint' };

export interface ReadResults {
  'datasets.list': DatasetSummary[];
  'datasets.get': DatasetSummary;
  'images.page': { total: number; items: ImageSummary[] };
  'images.ids': number[];
  'images.summaries': ImageSummary[];
  /** Columns: they clone several times faster than objects (the engine's thread expands them). */
  'metrics.perImage': ImageScoreColumns | null;
  'metrics.scores': RunScores | null;
  /** A big bootstrap is left to the engine's worker pool (the read worker serves one read at a time). */
  'metrics.compare': PreparedComparison | null;
  'metrics.keepPerImage': boolean;
  'idle.finish': null;
  'datasets.deletePlan': DeletePlanFacts;
  'wal.checkpoint': null;
}

export interface ReadContext {
  db: Db;
  /** Keeps whole datasets' per-image score lists in the store (readWorker/keptLists.ts): the worker when idle, the engine's thread when it closes; none on a read-only or damaged store. */
  keeper?: ScoreListKeeper;
  /** The repositories reads use (the others would bring zod's schemas into the worker's bundle). */
  repos: Pick<Repos, 'datasets' | 'runs'>;
  images: ImageReads;
  /** Score reads kept while their inputs are unchanged (store/scoreInputs.ts). */
  scores: VersionedCache;
  /** Dataset summaries kept while their counts' inputs are unchanged (a scan of the images: ~0.1 s at 100k). */
  summaries: VersionedCache;
  versions: ScoreInputVersions | null;
  /**
   * Set by the read worker while it serves a score read: takes a whole dataset's scored samples as soon
   * as they are listed, to send them ahead of their scores (readWorker/worker.ts).
   */
  sendAhead?: ((samples: SampleListColumns) => void) | undefined;
}

export function readContext(db: Db): ReadContext {
  return {
    db,
    repos: { datasets: datasetsRepo(db), runs: runsRepo(db) },
    images: imageReads(db),
    scores: new VersionedCache(db),
    summaries: new VersionedCache(db, 256),
    versions: scoreInputVersions(db),
  };
}

/**
 * Score reads of the whole dataset are kept while the run's score inputs are unchanged
 * (store/scoreInputs.ts), so tags, review states and job progress leave them warm; those of a
 * subset (a tag) are kept until the next commit of any kind.
 */
function cachedScoreRead<T>(
  ctx: ReadContext,
  key: unknown[],
  runId: number,
  subset: string | undefined,
  compute: (version: string | null) => T,
): T {
  const text = JSON.stringify(key);
  const versions = ctx.versions;
  if (subset !== undefined) return ctx.images.cache.memo(text, () => compute(null));
  return ctx.scores.get(text, versions === null ? null : () => versions.run(runId), compute);
}

/** Datasets' summaries (their counts scan the images), kept while the clocks they depend on stand. */
function summaries<T>(ctx: ReadContext, key: 'list' | number, compute: () => T): T {
  const versions = ctx.versions;
  return ctx.summaries.get(JSON.stringify(['datasets', key]), versions === null ? null : () => versions.datasets(), compute);
}

/**
 * One dataset's summary at its clocks' `version` (null: not visible): from memory, else as kept in
 * the store by an earlier process (store/summarySnapshots.ts), else counted and kept.
 */
function datasetSummary(ctx: ReadContext, datasetId: number, version: string | null): DatasetSummary | null {
  if (version === null) return null;
  return ctx.summaries.get(
    JSON.stringify(['dataset', datasetId]),
    () => version,
    (at) => {
      if (at === null) return ctx.repos.datasets.get(datasetId) ?? null;
      const kept = readSummarySnapshot(ctx.db, datasetId, at);
      if (kept !== null) return kept;
      const counted = ctx.repos.datasets.get(datasetId) ?? null;
      if (counted !== null) ctx.keeper?.keepSummary(datasetId, at, counted);
      return counted;
    },
  );
}

function requireDataset(ctx: ReadContext, datasetId: number): void {
  if (!ctx.images.datasetExists(datasetId)) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
}

/** The run, its dataset and its evaluation set, when every stored metric row is current; else null. */
function freshWithoutWrites(ctx: ReadContext, datasetId: number, runId: number): FreshRun | null {
  const { dataset, run } = requireDatasetRun(ctx.repos, datasetId, runId);
  const plan = planEvaluation(ctx, dataset, run);
  if (plan.stale.length > 0 || plan.obsolete.length > 0) return null;
  return { dataset, run, set: plan.set };
}

/**
 * Lists a run's whole-dataset per-image scores through the score read (which queues them to be kept,
 * unless a list at this version was kept already). Idle work: a run without per-image scores (no
 * ground truth, a heatmap run) or with a catch-up due is left alone.
 */
export function listPerImage(ctx: ReadContext, datasetId: number, runId: number): void {
  try {
    runAny(ctx, { op: 'metrics.perImage', datasetId, runId });
  } catch {
    // Nothing to keep; a score read reports the error when asked.
  }
}

/** Runs per dataset whose score lists the worker reads ahead when idle (~0.1-0.15 s each at 100k images). */
const RUNS_READ_AHEAD = 2;

/**
 * Idle work after a gallery read of `datasetId` (read worker only): the scored samples (see
 * prepareScoreSort), then the per-image scores of its most recent scored runs, so a score sort
 * asked for a moment later is served from memory (and the lists are kept in the store).
 */
export function afterGalleryRead(ctx: ReadContext, datasetId: number): void {
  prepareScoreSort(ctx.db, ctx.scores, ctx.versions, datasetId, ctx.keeper);
  if (ctx.versions === null) return;
  for (const runId of scoredRunIds(ctx.db, datasetId, RUNS_READ_AHEAD)) listPerImage(ctx, datasetId, runId);
}

export function runRead<R extends ReadRequest>(ctx: ReadContext, req: R): ReadResults[R['op']] {
  return runAny(ctx, req) as ReadResults[R['op']];
}

function runAny(ctx: ReadContext, req: ReadRequest): unknown {
  switch (req.op) {
    case 'datasets.list': {
      const per = ctx.versions?.summaries;
      if (per === null || per === undefined) return summaries(ctx, 'list', () => ctx.repos.datasets.list()).map((d) => ({ ...d }));
      return per
        .visible()
        .map(([datasetId, version]) => datasetSummary(ctx, datasetId, version))
        .filter((d): d is DatasetSummary => d !== null)
        .map((d) => ({ ...d }));
    }
    case 'datasets.get': {
      const per = ctx.versions?.summaries;
      const d =
        per === null || per === undefined
          ? summaries(ctx, req.datasetId, () => ctx.repos.datasets.get(req.datasetId) ?? null)
          : datasetSummary(ctx, req.datasetId, per.one(req.datasetId));
      if (d === null) throw new ApiError('NOT_FOUND', `dataset ${req.datasetId} not found`);
      return { ...d };
    }
    case 'images.page':
      requireDataset(ctx, req.datasetId);
      return ctx.images.page(req.datasetId, req.offset, req.limit, req.filter);
    case 'images.ids':
      requireDataset(ctx, req.datasetId);
      return ctx.images.ids(req.datasetId, req.filter);
    case 'images.summaries':
      requireDataset(ctx, req.datasetId);
      return ctx.images.summaries(req.datasetId, req.imageIds);
    case 'metrics.perImage':
      return cachedScoreRead(ctx, ['perImage', req.datasetId, req.runId, req.subset, req.classIdx], req.runId, req.subset, (version) => {
        const whole = req.subset === undefined && req.classIdx === undefined;
        // A whole dataset's list kept by an earlier process at this same version (store/scoreSnapshots.ts).
        if (whole && version !== null) {
          const kept = readScoreSnapshot(ctx.db, req.datasetId, req.runId, version);
          if (kept !== null) return kept;
        }
        const columns = perImageColumns(ctx, req);
        if (whole && version !== null && columns !== null) ctx.keeper?.keep(req.datasetId, req.runId, version, columns);
        return columns;
      });
    case 'metrics.keepPerImage':
      ctx.keeper?.later(req.datasetId, req.runId);
      return ctx.keeper !== undefined;
    case 'idle.finish':
    case 'wal.checkpoint':
      return null;
    case 'datasets.deletePlan':
      return deletePlanFacts(ctx.db, ctx.repos, req.datasetId, req.cacheDir, req.beingDeleted);
    case 'metrics.compare': {
      checkTwoRuns(req.runIds);
      checkSubsetInDataset(ctx.db, req.datasetId, req.subset);
      const fa = freshWithoutWrites(ctx, req.datasetId, req.runIds[0]);
      const fb = fa === null ? null : freshWithoutWrites(ctx, req.datasetId, req.runIds[1]);
      return fa === null || fb === null ? null : prepareComparison(ctx, fa, fb, req);
    }
    case 'metrics.scores':
      return cachedScoreRead(ctx, ['scores', req.datasetId, req.runId, req.subset], req.runId, req.subset, () => {
        const fresh = freshWithoutWrites(ctx, req.datasetId, req.runId);
        return fresh === null ? null : scoresOfFresh(ctx, fresh, req.subset);
      });
  }
}

/** A run's per-image scores as columns (null: stored rows need a catch-up first). */
function perImageColumns(ctx: ReadContext, req: Extract<ReadRequest, { op: 'metrics.perImage' }>): ImageScoreColumns | null {
  if (req.subset === undefined && req.classIdx === undefined) {
    const fast = completeRunScores(ctx.db, ctx.scores, ctx.versions, req.datasetId, req.runId, ctx.keeper, ctx.sendAhead);
    if (fast !== 'other') return fast;
  }
  // One query over the stored per-sample scores; the full path only to throw its errors.
  const current = currentSamples(ctx.db, req.datasetId, req.runId);
  if (current === 'stale') return null;
  const rows =
    current !== undefined
      ? perImageOfSamples(ctx.db, req.runId, current.task, current.samples, req.subset, req.classIdx)
      : (() => {
          const fresh = freshWithoutWrites(ctx, req.datasetId, req.runId);
          return fresh === null ? null : perImageOfFresh(ctx, fresh, req.subset, req.classIdx);
        })();
  return rows === null ? null : imageScoreColumns(rows);
}
