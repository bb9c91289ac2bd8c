/**
 * The runs.start job (started by runJob.ts startRun): load the model, compute the samples not done
 * yet through a two-deep pipeline (runPipeline.ts), commit each in its own transaction, and end the
 * run complete, failed or cancelled.
 */
import { ApiError } from '../../../shared/api/errors';
import type { RunProfile } from '../../../shared/api/methods/runs';
import type { RunResult } from '../../../shared/api/jobKinds';
import type { EngineDeps } from '../deps';
import type { JobContext } from '../jobs/JobRunner';
import { testGate } from '../jobs/testGate';
import { labelMapToRles, paintLabelMap } from '../masks/labelMap';
import { requestCheckpoint } from '../store/walCheckpoint';
import { inferenceCacheRepo } from '../store/repos/inferenceCache';
import type { Adapter, AdapterOutput, SampleToPredict } from './adapters/types';
import type { ClassMapping } from './classMapping';
import { inferenceFailureWithFeeds, namedInferenceFailure, oneLine } from './inference/InferenceClient';
import { inferenceTiming, newInferenceTiming } from './inference/timing';
import { decodeRegisteredRgb } from './preprocess';
import { decodeItemResult, encodeItemResult, type ItemResult } from './resultCodec';
import type { LoadedModel } from './runtime';
import { cudaFloatMode } from './inference/cudaFloat';
import { postprocessPool } from '../workers/pool';
import { postprocessPlace, type PostprocessPlace } from './postprocessPlace';
import { ItemPipeline } from './runPipeline';
import { sampleCacheKey, type RunFingerprint } from './runFingerprint';
import type { RunSample } from './samples';

/** Abort a run when its first items all fail the same way: that is a broken model, not bad images. */
const EARLY_FAILURES = 3;

/** What to look at when the model refuses the tensors a manifest makes (a size that is not a multiple of its stride, say). */
const MANIFEST_HINT = 'check the manifest (input.policy, input.size) against the model';

/**
 * Items at the inference worker or being prepared for it: one in inference while the next waits
 * there, decoded and preprocessed.
 */
const PIPELINE_DEPTH = 2;

/**
 * Items past the worker that may be in flight meanwhile: one committed by the engine's thread, and
 * where post-processing runs in the worker pool (postprocessPlace.ts: a run on CUDA) one more per
 * pool worker, so the pool, not the engine's thread, sets the pace.
 */
const pastWorker = (place: PostprocessPlace): number => (place === 'pool' ? postprocessPool().size + 1 : 1);

type Stages = RunProfile['stages'];

interface Computed {
  s: RunSample;
  key: string;
  fromCache: boolean;
  result?: ItemResult;
  error?: unknown;
  /** Where this item's time went (computed items only). */
  stages?: Omit<Stages, 'commit'>;
}

function groundTruthOf(deps: EngineDeps, s: RunSample): Uint8Array | null {
  const regions = deps.repos.annotations.currentForSample(s.sampleId);
  return regions.length === 0 ? null : paintLabelMap(regions, s.height, s.width);
}

function toItemResult(out: AdapterOutput, s: RunSample, mapping: ClassMapping, referring: boolean): ItemResult {
  const plane = s.width * s.height;
  let labels: Uint8Array;
  if (out.labelMap !== null) {
    // Model class -> dataset class through a table (the mapping is a pure function of the class).
    const table = new Uint8Array(256);
    for (let c = 0; c < 256; c++) table[c] = c === 255 ? 255 : mapping.toDataset(c);
    const map = out.labelMap;
    labels = new Uint8Array(map.length);
    for (let i = 0; i < map.length; i++) labels[i] = table[map[i] as number] as number;
  } else {
    labels = new Uint8Array(plane);
    for (const m of out.masks) {
      const cls = referring ? 1 : (m.datasetClass ?? mapping.toDataset(m.modelClass));
      for (let i = 0; i < plane; i++) if (m.mask[i] === 1) labels[i] = cls;
    }
  }
  const score = out.masks.length === 1 ? (out.masks[0]?.score ?? null) : null;
  const regions = labelMapToRles(labels, s.height, s.width)
    .filter((p) => p.classIdx !== 0)
    .map((p) => ({
      classIdx: p.classIdx,
      instance: 0,
      rle: p.rle,
      area: p.area,
      score: score !== null && Number.isFinite(score) ? score : null,
    }));
  return { regions, heatmaps: out.heatmaps };
}

export interface RunPlan {
  runId: number;
  model: LoadedModel;
  adapter: Adapter;
  mapping: ClassMapping;
  samples: RunSample[];
  referring: boolean;
  fingerprint: RunFingerprint;
}

/** Counts as the run goes, and the failed items (one line each). */
interface RunTally {
  finished: number;
  computed: number;
  cached: number;
  failures: Array<{ item: string; reason: string; modelError: boolean }>;
  profile: RunProfile;
}

function newTally(resumed: number): RunTally {
  return {
    finished: resumed,
    computed: 0,
    cached: 0,
    failures: [],
    profile: {
      images: 0,
      wallMs: 0,
      mainBusyMs: 0,
      stages: { decode: 0, preprocess: 0, inference: 0, transfer: 0, postprocess: 0, commit: 0 },
    },
  };
}

/**
 * Loads the model's sessions and records the provider they run on (and any fallback) on the run;
 * a dataset without classes adopts the model's. Returns the provider choice.
 */
async function openRun(deps: EngineDeps, plan: RunPlan, ctx: JobContext): Promise<NonNullable<LoadedModel['choice']>> {
  const { runId, model, mapping } = plan;
  ctx.progress(0, plan.samples.length, 'loading model');
  await model.load();
  const choice = model.choice ?? { provider: 'cpu', fallback: null };
  if (choice.fallback !== null) deps.logger.info(`run ${runId}: ${choice.fallback}`);
  const run = deps.repos.runs.get(runId);
  deps.repos.runs.setStatus(runId, 'running', {
    executionProvider: choice.provider,
    provenance: {
      ...(run?.provenance ?? {}),
      executionProvider: choice.provider,
      providerFallback: choice.fallback,
      // On CUDA: whether float32 products may run in TF32 (models/inference/cudaFloat.ts), and why.
      ...(choice.provider === 'cuda' ? { cudaFloat: cudaFloatMode() } : {}),
    },
  });
  if (mapping.adopt.length > 0) {
    const datasetId = run?.datasetId as number;
    deps.db.transaction(() => {
      if (deps.repos.datasets.classes(datasetId).length === 0) deps.repos.datasets.addClasses(datasetId, mapping.adopt);
    })();
  }
  return choice;
}

/**
 * One sample: from the output cache when this model already saw these pixels (and this ground truth,
 * for models that read it), else decoded, predicted and timed stage by stage. Errors are returned,
 * not thrown, so the run loop decides what a failure means.
 */
async function computeSample(
  deps: EngineDeps,
  plan: RunPlan,
  cache: ReturnType<typeof inferenceCacheRepo>,
  s: RunSample,
  place: PostprocessPlace,
  shapes: Set<string>,
  onCall: () => void,
  onReply: () => void,
): Promise<Computed> {
  const { model, adapter, mapping, referring } = plan;
  const gt = groundTruthOf(deps, s);
  const key = sampleCacheKey(plan.fingerprint, s, gt);
  try {
    const hit = cache.get(key);
    // An entry whose heatmaps' run rows are gone or changed is no hit: the item is computed again.
    const cached =
      hit === undefined ? null : decodeItemResult(hit, (run, sample, name) => deps.repos.predictions.heatmap(run, sample, name)?.data);
    if (cached !== null) return { s, key, fromCache: true, result: cached };
    const t0 = performance.now();
    const rgb = await decodeRegisteredRgb({ path: s.imagePath, sha256: s.imageFileSha, bytes: s.imageBytes }, s.orientation);
    const sample: SampleToPredict = { ...s, rgb, groundTruth: gt };
    const t1 = performance.now();
    // Inference calls made by this item report into `timing` (InferenceClient.run).
    const timing = { ...newInferenceTiming(), onCall, onReply, shapes };
    const out = await inferenceTiming.run(timing, () =>
      adapter.predict(model, sample, { modelToDataset: mapping.toDataset, postprocess: place }),
    );
    const result = toItemResult(out, s, mapping, referring);
    const t2 = performance.now();
    const called = timing.calls > 0;
    // Before the first call and between calls: preprocessing; after the last reply: post-processing.
    const between = called ? timing.lastReturnAt - timing.firstCallAt - timing.roundTripMs : 0;
    const stages = {
      decode: t1 - t0,
      preprocess: called ? timing.firstCallAt - t1 + between : 0,
      inference: timing.inferenceMs,
      transfer: timing.roundTripMs - timing.inferenceMs,
      postprocess: called ? t2 - timing.lastReturnAt : t2 - t1,
    };
    return { s, key, fromCache: false, result, stages };
  } catch (error) {
    return { s, key, fromCache: false, error };
  }
}

/**
 * A failed item: logged in full, recorded on the job as one line. A model that cannot even start
 * (mismatch, missing file) or whose first items all fail ends the run here.
 */
function recordFailure(deps: EngineDeps, plan: RunPlan, ctx: JobContext, tally: RunTally, s: RunSample, err: unknown): void {
  // The user gets one line; the log keeps onnxruntime's full text.
  deps.logger.error(
    `run ${plan.runId}: ${s.fileName} failed${err instanceof ApiError && typeof err.details?.['detail'] === 'string' ? `: ${err.details['detail']}` : ''}`,
    err,
  );
  if (err instanceof ApiError && (err.code === 'MODEL_MISMATCH' || err.code === 'NOT_FOUND') && tally.computed === 0)
    throw namedInferenceFailure(err, plan.model.summary.name, s.fileName + (s.query === null ? '' : ` "${s.query}"`), MANIFEST_HINT);
  // onnxruntime's messages span lines: keep the failure one line (with the shapes session.run was fed).
  const refused = inferenceFailureWithFeeds(err);
  const reason = oneLine(refused !== null ? `inference failed: ${refused}` : err instanceof Error ? err.message : String(err));
  const failures = tally.failures;
  failures.push({
    item: s.fileName + (s.query === null ? '' : ` "${s.query}"`),
    reason,
    // A file that cannot be read, or an image the input policy cannot size, is the image's fault, not the model's.
    modelError: !(err instanceof ApiError && (err.code === 'CORRUPT_FILE' || err.code === 'INVALID_INPUT')),
  });
  deps.repos.jobs.recordItemFailure(ctx.jobId, `${s.sampleId}:${s.fileName}`, reason);
  if (failures.length >= EARLY_FAILURES && tally.computed + tally.cached === 0) {
    throw new ApiError(
      'MODEL_MISMATCH',
      `${plan.model.summary.name}: the first ${failures.length} images all failed: ${failures[0]?.item}: ${failures[0]?.reason}`,
      { failures },
    );
  }
}

/** One item's regions and heatmaps (and, when computed, its cache entry) in one transaction; its stage times into the profile. */
function commitItem(
  deps: EngineDeps,
  plan: RunPlan,
  cache: ReturnType<typeof inferenceCacheRepo>,
  tally: RunTally,
  item: Computed,
  r: ItemResult,
): void {
  const { runId } = plan;
  const { s, key } = item;
  if (item.fromCache) tally.cached++;
  else tally.computed++;
  const c0 = performance.now();
  deps.db.transaction(() => {
    deps.repos.predictions.replaceForSample(
      runId,
      s.sampleId,
      r.regions.map((g) => ({ runId, sampleId: s.sampleId, ...g })),
    );
    for (const h of r.heatmaps) deps.repos.predictions.saveHeatmap(runId, s.sampleId, h);
    // The entry's heatmaps are the rows just written (models/resultCodec.ts): their bytes once, not twice.
    if (!item.fromCache) {
      const stored = r.heatmaps.length > 0 ? runId : null;
      const entry = encodeItemResult(r, stored === null ? undefined : { runId, sampleId: s.sampleId });
      cache.put(key, entry, plan.model.summary.sha256, s.imageSha, stored);
    }
  })();
  // The WAL is copied into the database file by the read worker, not inside a later commit here.
  requestCheckpoint(deps.db);
  if (item.stages !== undefined) {
    const st = tally.profile.stages;
    for (const k of ['decode', 'preprocess', 'inference', 'transfer', 'postprocess'] as const) st[k] += item.stages[k];
    st.commit += performance.now() - c0;
    tally.profile.images++;
  }
}

/** Takes the pipeline's items in order until all are committed or failed; throws when the run must stop. */
async function drain(
  deps: EngineDeps,
  plan: RunPlan,
  ctx: JobContext,
  pipeline: ItemPipeline<RunSample, Computed>,
  cache: ReturnType<typeof inferenceCacheRepo>,
  tally: RunTally,
  stage: string,
): Promise<void> {
  pipeline.topUp();
  while (pipeline.pending) {
    ctx.signal.throwIfAborted();
    await testGate(tally.finished, ctx.signal);
    const item = await pipeline.take();
    ctx.signal.throwIfAborted();
    pipeline.topUp();
    if (item.result === undefined) {
      recordFailure(deps, plan, ctx, tally, item.s, item.error);
      continue;
    }
    commitItem(deps, plan, cache, tally, item, item.result);
    tally.finished++;
    ctx.progress(tally.finished, plan.samples.length, stage);
  }
}

/** Marks the run complete, or failed with one line naming the first failure (the others are saved). */
function finishRun(deps: EngineDeps, plan: RunPlan, summary: RunResult, failures: RunTally['failures']): RunResult {
  const { runId, samples } = plan;
  if (failures.length > 0) {
    deps.repos.runs.setStatus(runId, 'failed');
    deps.events.emit('data.changed', { topics: ['runs', 'images'] });
    throw new ApiError(
      'CORRUPT_FILE',
      `${failures.length} of ${samples.length} images failed (first: ${failures[0]?.item}: ${failures[0]?.reason}); the others are saved${
        failures.some((f) => f.modelError)
          ? `; the model rejected its input: ${MANIFEST_HINT}`
          : '; fix or remove those images, then run again to compute only them'
      }`,
      summary,
    );
  }
  deps.repos.runs.setStatus(runId, 'complete');
  deps.events.emit('data.changed', { topics: ['runs', 'images', 'heatmaps', 'metrics'] });
  return summary;
}

/** A run that ended early: items still in inference finish first (closing the engine never releases a session under one), then the status says why. */
async function endRunEarly(
  deps: EngineDeps,
  runId: number,
  ctx: JobContext,
  pipeline: ItemPipeline<RunSample, Computed> | undefined,
): Promise<void> {
  await pipeline?.stop();
  if (ctx.signal.aborted) deps.repos.runs.setStatus(runId, 'cancelled');
  else if (deps.repos.runs.get(runId)?.status === 'running') deps.repos.runs.setStatus(runId, 'failed');
  deps.events.emit('data.changed', { topics: ['runs'] });
}

export async function executeRun(deps: EngineDeps, plan: RunPlan, ctx: JobContext): Promise<RunResult> {
  const { runId, samples } = plan;
  deps.repos.runs.setStatus(runId, 'running');
  let pipeline: ItemPipeline<RunSample, Computed> | undefined;
  try {
    const choice = await openRun(deps, plan, ctx);
    const done = deps.repos.predictions.doneSampleIds(runId);
    const todo = samples.filter((s) => !done.has(s.sampleId));
    const stage = `${plan.model.summary.name} on ${choice.provider}${choice.fallback === null ? '' : ` (${choice.fallback})`}`;
    const tally = newTally(samples.length - todo.length);
    ctx.progress(tally.finished, samples.length, stage);
    const cache = inferenceCacheRepo(deps.db);
    // Only an adapter whose post-processing can run in the pool goes there (and widens the window).
    const place: PostprocessPlace = plan.adapter.poolPostprocess === true ? postprocessPlace(choice.provider) : 'inline';
    const shapes = new Set<string>();
    pipeline = new ItemPipeline<RunSample, Computed>(
      todo,
      PIPELINE_DEPTH,
      ctx.signal,
      (s, onCall, onReply) => computeSample(deps, plan, cache, s, place, shapes, onCall, onReply),
      pastWorker(place),
    );
    const wall0 = performance.now();
    await drain(deps, plan, ctx, pipeline, cache, tally, stage);
    const { profile } = tally;
    const summary: RunResult = {
      runId,
      samples: samples.length,
      computed: tally.computed,
      cached: tally.cached,
      resumed: samples.length - todo.length,
      failed: tally.failures.length,
      failures: tally.failures,
      executionProvider: choice.provider,
      providerFallback: choice.fallback,
      profile: {
        ...profile,
        wallMs: performance.now() - wall0,
        // Post-processing in the pool is off the engine's thread (its stage time is the wait for it there).
        mainBusyMs: profile.stages.preprocess + (place === 'pool' ? 0 : profile.stages.postprocess) + profile.stages.commit,
        postprocessIn: place,
        inputShapes: shapes.size,
      },
    };
    return finishRun(deps, plan, summary, tally.failures);
  } catch (err) {
    await endRunEarly(deps, runId, ctx, pipeline);
    throw err;
  }
}
