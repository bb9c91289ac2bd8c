import { statSync } from 'node:fs';
import { ownerAlive as jobOwnerAlive, parseOwner } from '../jobs/owner';
import { inferenceCacheRepo } from '../store/repos/inferenceCache';
import { jobOwnerOf } from '../store/repos/jobs';
import { oneLine } from './inference/InferenceClient';
import { ApiError } from '../../../shared/api/errors';
import type { Device } from '../../../shared/domain';
import type { EngineDeps } from '../deps';
import type { JobContext } from '../jobs/JobRunner';
import { labelMapToRles, paintLabelMap } from '../masks/labelMap';
import { ADAPTERS, ADAPTER_VERSIONS } from './adapters';
import { canonicalJson, manifestFingerprint, outputCacheKey } from './cacheKey';
import type { AdapterOutput, SampleToPredict } from './adapters/types';
import { mapClasses, type ClassMapping } from './classMapping';
import { decodeRgb } from './preprocess';
import { decodeItemResult, encodeItemResult, type ItemResult } from './resultCodec';
import { LoadedModel, providersFor } from './runtime';
import { inferenceTiming, newInferenceTiming } from './inference/timing';
import type { RunProfile } from '../../../shared/api/methods/runs';
import type { RunResult } from '../../../shared/api/jobKinds';
import { samplesForRun, type RunSample } from './samples';
import { testGate } from '../jobs/testGate';

export interface StartRunInput {
  modelId: number;
  datasetId: number;
  runName?: string | undefined;
  subset?: string | undefined;
  device: Device;
}

/** Abort a run when its first items all fail the same way: that is a broken model, not bad images. */
const EARLY_FAILURES = 3;

/**
 * Items at the inference worker or being prepared for it: one in inference while the next waits
 * there, decoded and preprocessed. One more may be post-processed and committed meanwhile.
 */
const PIPELINE_DEPTH = 2;

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

/**
 * How pixels reach a model: RGB exactly as PIL's `convert('RGB')` gives them (no colour-profile
 * conversion) on the image's recorded pixel grid. Bump when decoding changes.
 */
const DECODING_RULES = 'pil-rgb-no-icc:v2';

/** What makes a run's outputs what they are, apart from the image: recorded on the run, part of every cache key. */
interface RunFingerprint {
  fileHashes: Record<string, string>;
  manifest: unknown;
  companions: Array<{ name: string; fileHashes: Record<string, string>; manifest: unknown }>;
  adapterVersion: number;
}

async function runFingerprint(model: LoadedModel): Promise<RunFingerprint> {
  return {
    fileHashes: await model.fileHashes(),
    manifest: manifestFingerprint(model.manifest),
    companions: await model.companionFingerprints(),
    adapterVersion: ADAPTER_VERSIONS[model.summary.kind],
  };
}

function sampleCacheKey(f: RunFingerprint, s: RunSample, gt: Uint8Array | null): string {
  return outputCacheKey({
    ...f,
    decoding: `${DECODING_RULES}:orientation=${s.orientation}`,
    imageSha: s.imageSha,
    query: s.query,
    groundTruth: gt,
  });
}

/**
 * Model files this engine hashed and found unchanged, by path: size, mtime, ctime, inode and the
 * sha256 they had. A run re-hashes the file only when one of them moved (hashing a 100+ MB ViT or
 * ISNet file takes a noticeable part of a second per run); any write to the file changes its ctime.
 */
const verifiedFiles = new WeakMap<EngineDeps, Map<string, string>>();

function fileStamp(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    return st.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : null;
  } catch {
    return null;
  }
}

async function verifyModelFile(deps: EngineDeps, model: LoadedModel): Promise<void> {
  const path = model.summary.path;
  const stamp = model.files['model'] === undefined ? null : fileStamp(path);
  let known = verifiedFiles.get(deps);
  if (stamp !== null && known?.get(path) === `${stamp}:${model.summary.sha256}`) return;
  await model.verifyFile();
  if (stamp === null || fileStamp(path) !== stamp) return;
  if (known === undefined) verifiedFiles.set(deps, (known = new Map()));
  known.set(path, `${stamp}:${model.summary.sha256}`);
}

/** Whether a stored run was made from the same model file (so only parameters or the manifest differ). */
function sameModelFile(run: { provenance: Record<string, unknown> }, sha: string): boolean {
  return run.provenance['modelSha256'] === sha;
}

/** Live jobs of other processes own their runs; a dead owner's run may be resumed (jobs/owner.ts). */
function runOwnerAlive(job: { params: string; updated_at: string }): boolean {
  const owner = parseOwner(jobOwnerOf(job.params));
  if (owner !== null) return jobOwnerAlive(owner, job.updated_at);
  // Jobs recorded before owners carried only the pid.
  const pid = (JSON.parse(job.params) as { ownerPid?: unknown }).ownerPid;
  if (typeof pid !== 'number') return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * `runs.start`: checks everything a user can get wrong before any work (model, file, classes,
 * dataset kind), creates or resumes the run, then starts the job. Each finished image is committed
 * in its own transaction; a rerun after a crash or cancel skips them and never duplicates.
 */
export async function startRun(deps: EngineDeps, input: StartRunInput): Promise<{ jobId: string; runId: number }> {
  const summary = deps.repos.models.get(input.modelId);
  if (summary === undefined) throw new ApiError('NOT_FOUND', `model ${input.modelId} not found`);
  const dataset = deps.repos.datasets.get(input.datasetId);
  if (dataset === undefined) throw new ApiError('NOT_FOUND', `dataset ${input.datasetId} not found`);
  const adapter = ADAPTERS[summary.kind];
  if (adapter === undefined) throw new ApiError('UNSUPPORTED_FORMAT', `models of kind ${summary.kind} cannot run over a dataset`);
  const model = new LoadedModel(deps, summary, providersFor(input.device));
  await verifyModelFile(deps, model);
  const referring = dataset.task === 'referring';
  if (summary.kind === 'seg-token' && !referring)
    throw new ApiError(
      'INVALID_INPUT',
      `model "${summary.name}" needs text queries: run it on a referring/reasoning dataset, not "${dataset.name}"`,
    );
  if (referring && ['semantic-seg', 'cam', 'patch-tokens'].includes(summary.kind)) {
    throw new ApiError(
      'INVALID_INPUT',
      `model "${summary.name}" (${summary.kind}) predicts classes, but "${dataset.name}" is a referring dataset`,
    );
  }
  const mapping = mapClasses(model.manifest, deps.repos.datasets.classes(dataset.id), dataset.task, summary.name);
  const samples = samplesForRun(deps, dataset.id, referring, input.subset);
  if (samples.length === 0)
    throw new ApiError(
      'INVALID_INPUT',
      `nothing to run: dataset "${dataset.name}" has no ${input.subset === undefined ? '' : `samples tagged "${input.subset}" (or the tag does not exist)`}${input.subset === undefined ? 'samples' : ''}`,
    );

  const runName = input.runName ?? summary.name;
  const params = { device: input.device, subset: input.subset ?? null, manifestParams: model.manifest.params };
  const fingerprint = await runFingerprint(model);
  const fingerprintText = canonicalJson(fingerprint);
  let run = deps.repos.runs.byName(dataset.id, runName);
  if (run !== undefined) {
    const prov = run.provenance;
    const recorded = prov['outputFingerprint'];
    const sameOutputs =
      recorded === undefined
        ? prov['modelSha256'] === summary.sha256 && JSON.stringify(prov['manifestParams']) === JSON.stringify(model.manifest.params)
        : canonicalJson(recorded) === fingerprintText;
    if (run.source !== 'model' || !sameOutputs) {
      // Both ways out: a new name, or resuming this run with what made it (or deleting it first).
      const madeBy =
        run.source === 'import'
          ? 'imported predictions'
          : `model "${typeof run.provenance['model'] === 'string' ? run.provenance['model'] : '?'}"${sameModelFile(run, summary.sha256) ? ' with other parameters' : ''}`;
      throw new ApiError(
        'CONFLICT',
        `run "${runName}" already exists on "${dataset.name}" with another model or parameters (${madeBy}, ${run.predictedSamples} samples done): pick a new name with --run NEW, ${
          run.source === 'import' ? 'or' : 'resume it by running the model that made it under the same name, or'
        } delete it first (tessera runs delete "${runName}" --dataset "${dataset.name}")`,
        { runId: run.id, existing: true, resumable: false },
      );
    }
    if (deps.repos.jobs.activeRunStarts(run.id).some(runOwnerAlive)) {
      throw new ApiError('CONFLICT', `run "${runName}" is being computed right now by another Tessera process`);
    }
  } else {
    const id = deps.repos.runs.create({
      datasetId: dataset.id,
      name: runName,
      source: 'model',
      modelId: summary.id,
      status: 'pending',
      params,
      provenance: {
        model: summary.name,
        modelKind: summary.kind,
        modelSha256: summary.sha256,
        toy: summary.toy,
        manifest: summary.manifest,
        manifestParams: model.manifest.params,
        classMapping: mapping.how,
        toolVersion: deps.toolVersion,
        outputFingerprint: fingerprint,
      },
    });
    run = deps.repos.runs.get(id);
    if (run === undefined) throw new ApiError('INTERNAL', 'run vanished after insert');
  }
  const runId = run.id;
  const jobId = deps.jobs.start(
    'runs.start',
    // Names as they were, for the Jobs list once a run, model or dataset is renamed or deleted.
    { runId, modelId: summary.id, datasetId: dataset.id, ownerPid: process.pid, run: runName, model: summary.name, dataset: dataset.name },
    (ctx) => executeRun(deps, { runId, model, mapping, samples, referring, params, fingerprint }, ctx),
  );
  return { jobId, runId };
}

interface RunPlan {
  runId: number;
  model: LoadedModel;
  mapping: ClassMapping;
  samples: RunSample[];
  referring: boolean;
  params: Record<string, unknown>;
  fingerprint: RunFingerprint;
}

async function executeRun(deps: EngineDeps, plan: RunPlan, ctx: JobContext): Promise<RunResult> {
  const { runId, model, mapping, samples, referring } = plan;
  const adapter = ADAPTERS[model.summary.kind];
  if (adapter === undefined) throw new ApiError('UNSUPPORTED_FORMAT', `no adapter for ${model.summary.kind}`);
  deps.repos.runs.setStatus(runId, 'running');
  // Items still in inference when the run ends early (a failure, a cancel): the job ends only after
  // them, so closing the engine never releases a session under a running inference.
  const inFlight: Array<Promise<Computed>> = [];
  // Set when the run ends early: nothing new starts while the items in flight finish.
  let stopped = false;
  try {
    ctx.progress(0, samples.length, 'loading model');
    await model.load();
    const choice = model.choice ?? { provider: 'cpu', fallback: null };
    if (choice.fallback !== null) deps.logger.info(`run ${runId}: ${choice.fallback}`);
    const run = deps.repos.runs.get(runId);
    deps.repos.runs.setStatus(runId, 'running', {
      executionProvider: choice.provider,
      provenance: { ...(run?.provenance ?? {}), executionProvider: choice.provider, providerFallback: choice.fallback },
    });
    if (mapping.adopt.length > 0) {
      const datasetId = run?.datasetId as number;
      deps.db.transaction(() => {
        if (deps.repos.datasets.classes(datasetId).length === 0) deps.repos.datasets.addClasses(datasetId, mapping.adopt);
      })();
    }
    const done = deps.repos.predictions.doneSampleIds(runId);
    const todo = samples.filter((s) => !done.has(s.sampleId));
    const stage = `${model.summary.name} on ${choice.provider}${choice.fallback === null ? '' : ` (${choice.fallback})`}`;
    let finished = samples.length - todo.length;
    let computed = 0;
    let cached = 0;
    const failures: Array<{ item: string; reason: string; modelError: boolean }> = [];
    ctx.progress(finished, samples.length, stage);

    // A two-deep pipeline: while the worker runs item i, item i+1 waits at the worker, decoded and
    // preprocessed, so the worker never waits for the engine thread. As item i's reply arrives,
    // item i+2 starts decoding (sharp's threads) while the engine thread post-processes and
    // commits item i. One item is prepared at a time; commits stay in order.
    const cache = inferenceCacheRepo(deps.db);
    let preparing = 0;
    let atWorker = 0;
    const compute = async (s: RunSample): Promise<Computed> => {
      // preparing -> at the worker (first inference call) -> past it (first reply, or no call at all).
      let state: 'preparing' | 'worker' | 'past' = 'preparing';
      const advance = (to: 'worker' | 'past'): void => {
        if (state === 'past' || state === to) return;
        if (state === 'preparing') preparing--;
        else atWorker--;
        if (to === 'worker') atWorker++;
        state = to;
        topUp();
      };
      try {
        return await computeItem(
          s,
          () => advance('worker'),
          () => advance('past'),
        );
      } finally {
        advance('past');
      }
    };
    const computeItem = async (s: RunSample, onCall: () => void, onReply: () => void): Promise<Computed> => {
      const gt = groundTruthOf(deps, s);
      const key = sampleCacheKey(plan.fingerprint, s, gt);
      try {
        const hit = cache.get(key);
        if (hit !== undefined) return { s, key, fromCache: true, result: decodeItemResult(hit) };
        const t0 = performance.now();
        const rgb = await decodeRgb(s.imagePath, s.orientation);
        const sample: SampleToPredict = { ...s, rgb, groundTruth: gt };
        const t1 = performance.now();
        // Inference calls made by this item report into `timing` (InferenceClient.run).
        const timing = { ...newInferenceTiming(), onCall, onReply };
        const out = await inferenceTiming.run(timing, () => adapter.predict(model, sample, { modelToDataset: mapping.toDataset }));
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
    };
    const profile: RunProfile = {
      images: 0,
      wallMs: 0,
      mainBusyMs: 0,
      stages: { decode: 0, preprocess: 0, inference: 0, transfer: 0, postprocess: 0, commit: 0 },
    };
    const wall0 = performance.now();
    // Items not committed yet, in order.
    const window = inFlight;
    let launched = 0;
    let toppingUp = false;
    // Called by the loop and as items move on; never re-entered (a cache hit moves on at once).
    function topUp(): void {
      if (toppingUp) return;
      toppingUp = true;
      try {
        while (
          !stopped &&
          !ctx.signal.aborted &&
          launched < todo.length &&
          preparing === 0 &&
          preparing + atWorker < PIPELINE_DEPTH &&
          window.length <= PIPELINE_DEPTH
        ) {
          const s = todo[launched++] as RunSample;
          preparing++;
          window.push(compute(s));
        }
      } finally {
        toppingUp = false;
      }
    }
    topUp();
    while (window.length > 0) {
      ctx.signal.throwIfAborted();
      await testGate(finished, ctx.signal);
      const item = await (window.shift() as Promise<Computed>);
      ctx.signal.throwIfAborted();
      topUp();
      const { s, key } = item;
      if (item.result === undefined) {
        const err = item.error;
        // The user gets one line; the log keeps onnxruntime's full text.
        deps.logger.error(
          `run ${runId}: ${s.fileName} failed${err instanceof ApiError && typeof err.details?.['detail'] === 'string' ? `: ${err.details['detail']}` : ''}`,
          err,
        );
        if (err instanceof ApiError && (err.code === 'MODEL_MISMATCH' || err.code === 'NOT_FOUND') && computed === 0) throw err;
        // onnxruntime's messages span lines: keep the failure one line.
        const reason = oneLine(err instanceof Error ? err.message : String(err));
        failures.push({
          item: s.fileName + (s.query === null ? '' : ` "${s.query}"`),
          reason,
          modelError: !(err instanceof ApiError && err.code === 'CORRUPT_FILE'),
        });
        deps.repos.jobs.recordItemFailure(ctx.jobId, `${s.sampleId}:${s.fileName}`, reason);
        if (failures.length >= EARLY_FAILURES && computed + cached === 0) {
          throw new ApiError(
            'MODEL_MISMATCH',
            `${model.summary.name}: the first ${failures.length} images all failed: ${failures[0]?.item}: ${failures[0]?.reason}`,
            { failures },
          );
        }
        continue;
      }
      const r = item.result;
      if (item.fromCache) cached++;
      else computed++;
      const c0 = performance.now();
      deps.db.transaction(() => {
        deps.repos.predictions.replaceForSample(
          runId,
          s.sampleId,
          r.regions.map((g) => ({ runId, sampleId: s.sampleId, ...g })),
        );
        for (const h of r.heatmaps) deps.repos.predictions.saveHeatmap(runId, s.sampleId, h);
        if (!item.fromCache) cache.put(key, encodeItemResult(r), model.summary.sha256, s.imageSha);
      })();
      if (item.stages !== undefined) {
        const st = profile.stages;
        for (const k of ['decode', 'preprocess', 'inference', 'transfer', 'postprocess'] as const) st[k] += item.stages[k];
        st.commit += performance.now() - c0;
        profile.images++;
      }
      finished++;
      ctx.progress(finished, samples.length, stage);
    }
    const summary: RunResult = {
      runId,
      samples: samples.length,
      computed,
      cached,
      resumed: samples.length - todo.length,
      failed: failures.length,
      failures,
      executionProvider: choice.provider,
      providerFallback: choice.fallback,
      profile: {
        ...profile,
        wallMs: performance.now() - wall0,
        mainBusyMs: profile.stages.preprocess + profile.stages.postprocess + profile.stages.commit,
      },
    };
    if (failures.length > 0) {
      deps.repos.runs.setStatus(runId, 'failed');
      deps.events.emit('data.changed', { topics: ['runs', 'images'] });
      throw new ApiError(
        'CORRUPT_FILE',
        `${failures.length} of ${samples.length} images failed (first: ${failures[0]?.item}: ${failures[0]?.reason}); the others are saved${
          failures.some((f) => f.modelError)
            ? '; the model rejected its input: check the manifest (input.policy, input.size) against the model'
            : '; fix or remove those images, then run again to compute only them'
        }`,
        summary,
      );
    }
    deps.repos.runs.setStatus(runId, 'complete');
    deps.events.emit('data.changed', { topics: ['runs', 'images', 'heatmaps', 'metrics'] });
    return summary;
  } catch (err) {
    stopped = true;
    await Promise.allSettled(inFlight);
    if (ctx.signal.aborted) deps.repos.runs.setStatus(runId, 'cancelled');
    else if (deps.repos.runs.get(runId)?.status === 'running') deps.repos.runs.setStatus(runId, 'failed');
    deps.events.emit('data.changed', { topics: ['runs'] });
    throw err;
  }
}
