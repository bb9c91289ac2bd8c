/**
 * Everything a report says, gathered once from the store; each format (html, pdf, csv, tex, json)
 * only renders this object. Every report carries the metric definitions, the dataset hash, each
 * run's model hash and execution provider, and the tool version.
 */
import { createHash } from 'node:crypto';
import type { Comparison, CorrectionScores, ImageScore, RunScores } from '../../../shared/api/methods/metrics';
import type { ClassInfo } from '../../../shared/domain';
import type { JobContext } from '../jobs/JobRunner';
import type { Db } from '../store/db';
import { imageContentRows } from '../store/repos/datasetReads';
import { checkSubsetInDataset } from '../store/repos/metricRows';
import { ApiError } from '../../../shared/api/errors';
import { noneScoredInSubset } from '../../../shared/domain/subsetScored';
import type { Repos } from '../store/store';
import type { ReadWorker } from '../store/readWorker/ReadWorker';
import { compareRuns } from '../metrics/compare';
import { correctionScores } from '../metrics/corrections';
import { definitionsFor } from '../metrics/aggregate';
import { METRIC_DEFINITIONS } from '../metrics/definitions';
import { datasetSubsets, freshRun, perImageOfFresh, scoresOfFresh, type FreshRun } from '../metrics/scores';
import { selectGallery, type GallerySection } from './gallery';

export interface ReportRun {
  id: number;
  name: string;
  source: string;
  modelHash: string | null;
  executionProvider: string | null;
  provenance: Record<string, unknown>;
  /** Images of the dataset a PNG import had no file for (scored as all background; datasets/predictions.ts). */
  withoutFile: number;
  scores: RunScores;
  subsets: Array<{ name: string; scores: RunScores }>;
  corrections: CorrectionScores | null;
}

export interface ReportModel {
  toolVersion: string;
  generatedAt: string;
  dataset: { id: number; name: string; task: string; format: string; images: number; hash: string };
  subset: string | null;
  seed: number;
  classes: ClassInfo[];
  definitions: Array<{ name: string; field: string; description: string; reference: string }>;
  runs: ReportRun[];
  /** Every other run against the first. */
  comparisons: Comparison[];
  gallery: GallerySection[];
}

export interface ReportDeps {
  db: Db;
  repos: Repos;
  toolVersion: string;
  /** The read worker, where the comparisons are read (metrics/compare.ts); without it, this thread. */
  reads?: Pick<ReadWorker, 'read'> | undefined;
}

export interface ReportRequest {
  datasetId: number;
  runIds: number[];
  subset?: string | undefined;
  seed: number;
}

export async function buildReportModel(
  deps: ReportDeps,
  req: ReportRequest,
  ctx: JobContext,
): Promise<{ model: ReportModel; fresh: FreshRun[] }> {
  checkSubsetInDataset(deps.db, req.datasetId, req.subset);
  const fresh: FreshRun[] = [];
  for (const [i, runId] of req.runIds.entries()) {
    ctx.signal.throwIfAborted();
    ctx.progress(i, req.runIds.length, 'scoring runs');
    fresh.push(await freshRun(deps, req.datasetId, runId));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const first = fresh[0]!;
  const tags = datasetSubsets(deps.db, req.datasetId).map((s) => s.name);
  const runs: ReportRun[] = [];
  for (const f of fresh) {
    const corrections = await correctionScores(deps, req.datasetId, f.run.id, req.subset);
    runs.push({
      id: f.run.id,
      name: f.run.name,
      source: f.run.source,
      modelHash: modelHashOf(f.run.provenance),
      executionProvider: f.run.executionProvider ?? stringField(f.run.provenance, /execution.?provider/i),
      provenance: f.run.provenance,
      withoutFile: withoutFileOf(f.run.params),
      scores: scoresOfFresh(deps, f, req.subset),
      subsets: req.subset === undefined ? tags.map((name) => ({ name, scores: scoresOfFresh(deps, f, name) })) : [],
      corrections: corrections.correctedImages > 0 ? corrections : null,
    });
  }
  const unit = first.set.task === 'referring' ? 'query' : 'image';
  // A tag of the dataset's images that a run is scored on none of: refused, not an empty report.
  const unscored = runs.find((r) => r.scores.images === 0);
  if (req.subset !== undefined && unscored !== undefined)
    throw new ApiError('INVALID_INPUT', noneScoredInSubset(req.subset, first.dataset.name, [unscored.name], unit));
  ctx.progress(req.runIds.length, req.runIds.length, 'comparing runs');
  const comparisons = [];
  for (const f of fresh.slice(1)) {
    const c = await compareRuns(deps, req.datasetId, [first.run.id, f.run.id], { subset: req.subset, seed: req.seed, samples: 1000 });
    if (req.subset !== undefined && c.images === 0)
      throw new ApiError('INVALID_INPUT', noneScoredInSubset(req.subset, c.dataset, c.runs, unit));
    comparisons.push(c);
  }
  const perImage: ImageScore[][] = fresh.map((f) => perImageOfFresh(deps, f, req.subset));
  const names = definitionsFor(first.set.task);
  return {
    fresh,
    model: {
      toolVersion: deps.toolVersion,
      generatedAt: new Date().toISOString(),
      dataset: {
        id: first.dataset.id,
        name: first.dataset.name,
        task: first.dataset.task,
        format: first.dataset.format,
        images: deps.repos.datasets.get(first.dataset.id)?.imageCount ?? 0,
        hash: datasetHash(deps.db, first.dataset.id),
      },
      subset: req.subset ?? null,
      seed: req.seed,
      classes: deps.repos.datasets.classes(first.dataset.id),
      definitions: names.map((name) => ({ name, ...METRIC_DEFINITIONS[name] })),
      runs,
      comparisons,
      gallery: selectGallery(perImage),
    },
  };
}

/**
 * sha256 over the images' content hashes and the ground-truth versions (annotation id.version), in
 * image id order: two reports with the same hash scored the same pixels against the same labels.
 */
export function datasetHash(db: Db, datasetId: number): string {
  const hash = createHash('sha256');
  for (const [sha, gt] of imageContentRows(db, datasetId)) hash.update(`${sha} ${gt ?? ''}\n`);
  return hash.digest('hex');
}

function withoutFileOf(params: Record<string, unknown>): number {
  const n = params['imagesWithoutFile'];
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 0;
}

/** The model file hash a run recorded (provenance keys differ by writer: modelSha256, model.sha256, …). */
export function modelHashOf(provenance: Record<string, unknown>): string | null {
  return stringField(provenance, /sha256|hash/i);
}

function stringField(obj: Record<string, unknown>, key: RegExp, depth = 0): string | null {
  for (const [k, v] of Object.entries(obj)) if (key.test(k) && typeof v === 'string') return v;
  if (depth > 1) return null;
  for (const v of Object.values(obj)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const found = stringField(v as Record<string, unknown>, key, depth + 1);
      if (found !== null) return found;
    }
  }
  return null;
}
