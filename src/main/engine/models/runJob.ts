/**
 * `runs.start`, up to the job: checks everything a user can get wrong before any work, then creates
 * the run (or resumes the stored one made the same way) and starts the job (runExecute.ts).
 */
import { ownerAlive as jobOwnerAlive, parseOwner } from '../jobs/owner';
import { jobOwnerOf } from '../store/repos/jobs';
import { ApiError } from '../../../shared/api/errors';
import type { Device, ModelSummary, RunSummary } from '../../../shared/domain';
import type { DatasetHeader } from '../store/repos/datasets';
import type { EngineDeps } from '../deps';
import { ADAPTERS } from './adapters';
import { camPseudoLabelRule } from './adapters/cam';
import { canonicalJson } from './cacheKey';
import type { Adapter } from './adapters/types';
import { mapClasses, type ClassMapping } from './classMapping';
import { LoadedModel, providersFor } from './runtime';
import { samplesForRun, type RunSample } from './samples';
import { executeRun, type RunPlan } from './runExecute';
import { runFingerprint, verifyModelFile, type RunFingerprint } from './runFingerprint';

export interface StartRunInput {
  modelId: number;
  datasetId: number;
  runName?: string | undefined;
  subset?: string | undefined;
  device: Device;
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

/** What a runs.start call runs: the model (file verified) and the dataset, checked to fit each other. */
interface RunTarget {
  summary: ModelSummary;
  dataset: DatasetHeader;
  adapter: Adapter;
  model: LoadedModel;
  referring: boolean;
}

/** The model and dataset of a call: both exist, the model's kind runs over datasets, its file is the registered one. */
async function requireTarget(deps: EngineDeps, input: StartRunInput): Promise<RunTarget> {
  const summary = deps.repos.models.get(input.modelId);
  if (summary === undefined) throw new ApiError('NOT_FOUND', `model ${input.modelId} not found`);
  const dataset = deps.repos.datasets.header(input.datasetId);
  if (dataset === undefined) throw new ApiError('NOT_FOUND', `dataset ${input.datasetId} not found`);
  const adapter = ADAPTERS[summary.kind];
  if (adapter === undefined) throw new ApiError('UNSUPPORTED_FORMAT', `models of kind ${summary.kind} cannot run over a dataset`);
  const model = new LoadedModel(deps, summary, providersFor(input.device));
  await verifyModelFile(deps, model);
  const referring = dataset.task === 'referring';
  requireKindFitsDataset(summary, dataset, referring);
  return { summary, dataset, adapter, model, referring };
}

/** Text-query models need a referring dataset; class models a class dataset. */
function requireKindFitsDataset(summary: ModelSummary, dataset: DatasetHeader, referring: boolean): void {
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
}

/** The samples the run covers; none is an error naming the dataset (and the subset). */
function requireSamples(deps: EngineDeps, dataset: DatasetHeader, referring: boolean, subset: string | undefined): RunSample[] {
  const samples = samplesForRun(deps, dataset.id, referring, subset);
  if (samples.length === 0)
    throw new ApiError(
      'INVALID_INPUT',
      `nothing to run: dataset "${dataset.name}" has no ${subset === undefined ? '' : `samples tagged "${subset}" (or the tag does not exist)`}${subset === undefined ? 'samples' : ''}`,
    );
  return samples;
}

/** How a run is made, recorded on a new run and compared with a stored one of the same name. */
interface RunRecipe {
  runName: string;
  params: Record<string, unknown>;
  fingerprint: RunFingerprint;
  mapping: ClassMapping;
}

/**
 * A stored run of that name may be resumed only when it was made the same way (same outputs
 * fingerprint, or for runs from before fingerprints the same file and manifest params) and no
 * live process is computing it.
 */
function requireResumable(deps: EngineDeps, run: RunSummary, target: RunTarget, recipe: RunRecipe): void {
  const { summary, dataset, model } = target;
  const { runName } = recipe;
  const prov = run.provenance;
  const recorded = prov['outputFingerprint'];
  const sameOutputs =
    recorded === undefined
      ? prov['modelSha256'] === summary.sha256 && JSON.stringify(prov['manifestParams']) === JSON.stringify(model.manifest.params)
      : canonicalJson(recorded) === canonicalJson(recipe.fingerprint);
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
}

/** A new pending run with its provenance (what made it, for reports and resumes). */
function createRun(deps: EngineDeps, target: RunTarget, recipe: RunRecipe): RunSummary {
  const { summary, dataset, model } = target;
  const id = deps.repos.runs.create({
    datasetId: dataset.id,
    name: recipe.runName,
    source: 'model',
    modelId: summary.id,
    status: 'pending',
    params: recipe.params,
    provenance: {
      model: summary.name,
      modelKind: summary.kind,
      modelSha256: summary.sha256,
      toy: summary.toy,
      manifest: summary.manifest,
      manifestParams: model.manifest.params,
      classMapping: recipe.mapping.how,
      toolVersion: deps.toolVersion,
      outputFingerprint: recipe.fingerprint,
      ...(summary.kind === 'cam' ? { pseudoLabel: camPseudoLabelRule(model.manifest) } : {}),
    },
  });
  const run = deps.repos.runs.get(id);
  if (run === undefined) throw new ApiError('INTERNAL', 'run vanished after insert');
  return run;
}

/**
 * `runs.start`: checks everything a user can get wrong before any work (model, file, classes,
 * dataset kind), creates or resumes the run, then starts the job. Each finished image is committed
 * in its own transaction; a rerun after a crash or cancel skips them and never duplicates.
 */
export async function startRun(deps: EngineDeps, input: StartRunInput): Promise<{ jobId: string; runId: number }> {
  const target = await requireTarget(deps, input);
  const { summary, dataset, model, referring } = target;
  const mapping = mapClasses(model.manifest, deps.repos.datasets.classes(dataset.id), dataset.task, summary.name);
  const samples = requireSamples(deps, dataset, referring, input.subset);
  const recipe: RunRecipe = {
    runName: input.runName ?? summary.name,
    params: { device: input.device, subset: input.subset ?? null, manifestParams: model.manifest.params },
    fingerprint: await runFingerprint(model),
    mapping,
  };
  const stored = deps.repos.runs.byName(dataset.id, recipe.runName);
  if (stored !== undefined) requireResumable(deps, stored, target, recipe);
  const runId = deps.db.transaction(() => {
    const id = (stored ?? createRun(deps, target, recipe)).id;
    // Which samples it is scored on: a run started on a subset covers that subset only (metrics coverage).
    deps.repos.runs.recordStart(id, stored === undefined, input.subset === undefined ? null : samples.map((s) => s.sampleId));
    return id;
  })();
  const plan: RunPlan = { runId, model, adapter: target.adapter, mapping, samples, referring, fingerprint: recipe.fingerprint };
  const jobId = deps.jobs.start(
    'runs.start',
    // Names as they were, for the Jobs list once a run, model or dataset is renamed or deleted.
    {
      runId,
      modelId: summary.id,
      datasetId: dataset.id,
      ownerPid: process.pid,
      run: recipe.runName,
      model: summary.name,
      dataset: dataset.name,
    },
    (ctx) => executeRun(deps, plan, ctx),
  );
  return { jobId, runId };
}
