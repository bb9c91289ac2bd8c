/**
 * When may a cached score read be reused? Listing and checking the per-image scores of 100k images
 * takes ~0.4 s, and the gallery's score sort asked for them again after every commit, although tags,
 * review states and job progress are not among their inputs. Score inputs are versioned instead by:
 *  - score_inputs_clock (migration 8): 'samples' is bumped by triggers on every write to the tables
 *    that decide which samples are scored and how they are listed (and on ground-truth regions
 *    added or removed), 'runs and classes' by the other low-volume inputs (datasets, classes, runs;
 *    heatmaps before migration 12), 'ground truth' (migration 12) by every write of a ground-truth counter
 *    (ground_truth_revs, migration 6), which moves with every ground-truth region;
 *  - a clock per run (run_clocks, migration 12), bumped by every write of the run's prediction
 *    counters (prediction_revs: every insert, update and delete of a prediction region raises one;
 *    a hidden run's inserts are counted by its importer, by the same amounts: migration 11), of
 *    its stored scores (metric_samples) and of its heatmaps, so evaluating one run or a CAM run
 *    writing its maps leaves the others' kept lists.
 * Since migration 13 every bump of the 'samples', 'runs and classes' and 'ground truth' clocks also
 * bumps its dataset's twin (dataset_clocks: 'samples', 'meta' for its row and classes, 'other' for
 * its runs and ground truth), and the versions of a dataset's
 * kept lists, and of its summary (migration 14), are read from those: work in one dataset (an
 * import, a run, a mask edit) leaves the others' kept lists current. The workspace-wide clocks
 * still move as before, and version the dataset summaries of an older store.
 * A store opened read-only at schema 10 or 11 has no run clocks: there the 'stored scores' clock
 * (every run's metric_samples) and the sums of the counters stand for them, as before; one at 12
 * has no dataset clocks, and the workspace-wide ones stand for them.
 * Clocks only grow, so a version changes with every write a score read depends on, and high-volume
 * tables need no trigger of their own (one per inserted row made bulk imports much slower). Every
 * table of the store is placed in one list below with its reason;
 * test/integration/store/score-inputs.test.ts fails on a table that is not.
 */
import type { Db } from './db';
import { hasTable } from './schemaTables';

export type ClockedOp = 'INSERT' | 'UPDATE' | 'DELETE';
const ALL: ClockedOp[] = ['INSERT', 'UPDATE', 'DELETE'];

/**
 * Tables with clock triggers: which clock and on which writes (images: updates of any column but
 * review_state). Clock 1 'samples' versions the kept lists of scored samples (a model run's progress
 * must not move it), 3 'runs and classes' only whole score reads (2 'stored scores': before migration 12).
 */
export const CLOCKED_TABLES: Record<string, { clock: 1 | 2 | 3; ops: ClockedOp[] }> = {
  datasets: { clock: 3, ops: ALL },
  classes: { clock: 3, ops: ALL },
  images: { clock: 1, ops: ALL },
  samples: { clock: 1, ops: ALL },
  runs: { clock: 3, ops: ALL },
  /** Inserts and deletes decide whether a sample has ground truth (is scored); its mask edits raise its counter. */
  annotations: { clock: 1, ops: ['INSERT', 'DELETE'] },
};

/** Score inputs without a trigger, and what versions them instead. */
export const COUNTED_TABLES: Record<string, string> = {
  predictions:
    "every write raises the run's prediction_revs counter of the sample (migration 6 triggers; a hidden run's inserts: its importer, migration 11)",
  annotations: "(updates) every write raises the sample's ground_truth_revs counter (migration 6 triggers)",
  annotation_versions: 'a new version is made current by an annotations update, which raises the counter',
  metric_samples: "every write bumps its run's run_clocks row (migration 12; the workspace-wide 'stored scores' clock before)",
  heatmaps: "every write bumps its run's run_clocks row (migration 12; the 'runs and classes' clock before)",
  prediction_revs: "every write bumps the run's run_clocks row (migration 12; summed into the version before)",
  ground_truth_revs: "every write bumps the 'ground truth' clock (migration 12; summed into the version before)",
  run_clocks: "the runs' clocks themselves (migration 12)",
  run_samples: "the samples a subset run covers: every write bumps its run's run_clocks row (migration 18)",
  dataset_clocks: "the datasets' clocks themselves, bumped with the workspace-wide ones (migration 13)",
  metric_rows: "written only with the sample's metric_samples row (store/repos/metricRows.ts), which bumps the clock",
  stale_scores: 'written only by triggers on metric_samples (clocked) and on the two counters (summed), from what they hold (migration 12)',
};

/** Tables no score read depends on. */
export const NOT_SCORE_INPUTS: Record<string, string> = {
  score_inputs_clock: 'the clocks themselves',
  score_snapshots: 'kept per-image score lists, each stored with the version of its inputs (store/scoreSnapshots.ts)',
  sample_list_snapshots: "kept lists of scored samples, each stored with the 'samples' clock it was listed at (store/scoreSnapshots.ts)",
  dataset_summaries: "kept dataset summaries, each stored with its dataset's clocks it was read at (store/summarySnapshots.ts)",
  tags: 'subsets are tags: score reads of a subset are kept only until the next commit of any kind',
  image_tags: 'as tags',
  sample_tags: 'as tags',
  models: 'scores name runs, not their models',
  jobs: 'job rows and progress',
  job_item_failures: 'job item errors',
  saved_filters: 'gallery filter definitions',
  inference_cache: 'model outputs cached by file hashes',
  cached_heatmap_runs: "the run whose heatmap rows hold a cached output's heatmaps (models/resultCodec.ts)",
  ground_truth_runs: 'ground truth merged into run sequences, read only while ground_truth_revs is unchanged (repos/groundTruthRuns.ts)',
  image_splits: 'every split list an image is in, written with the image and never changed; subsets are tags (datasets/voc.ts)',
  annotation_edits: 'undo/redo history; current masks live in annotations and annotation_versions',
  annotation_revisions: 'edit revision numbers for conflicting-edit checks',
  retired_ids: 'the largest id each table has held, for the next insert (store/retiredIds.ts)',
};

export interface ScoreInputVersions {
  /** What the scored sample list of a dataset depends on: its sample set and which of its samples have ground truth. */
  samples(datasetId: number): string;
  /** What a run's scores depend on (its dataset's clocks and its own). */
  run(runId: number): string;
  /**
   * What datasets' summaries depend on on a store older than 13 (datasets.list and datasets.get: names, tasks, and the counts
   * of images, samples, annotated images and classes): the sample set ('samples' clock) and the
   * datasets and classes tables ('runs and classes' clock). Review states and tags are not counted.
   */
  datasets(): string;
  /**
   * Per dataset (migration 13; null on an older store): the visible datasets' ids in id order, each
   * with the version its summary depends on (its own clocks), and one dataset's (null: none visible).
   */
  summaries: { visible(): Array<[number, string]>; one(datasetId: number): string | null } | null;
}

/** The versions as this connection sees them; null on a store without migration 8. */
export function scoreInputVersions(db: Db): ScoreInputVersions | null {
  let clocks;
  let samplesClock;
  let datasetsClocks;
  try {
    clocks = db.prepare('SELECT n FROM score_inputs_clock ORDER BY id').pluck();
    samplesClock = db.prepare('SELECT n FROM score_inputs_clock WHERE id = 1').pluck();
    datasetsClocks = db.prepare('SELECT n FROM score_inputs_clock WHERE id IN (1, 3) ORDER BY id').pluck();
  } catch {
    return null;
  }
  const workspace = { samples: () => String(samplesClock.get()), run: counterVersions(db, clocks) };
  const perDataset = datasetVersions(db, workspace);
  return {
    samples: perDataset?.samples ?? workspace.samples,
    run: perDataset?.run ?? workspace.run,
    datasets: () => (datasetsClocks.all() as number[]).join('/'),
    summaries: perDataset === null ? null : summaryVersions(db),
  };
}

/**
 * Versions from the clocks of one dataset (migration 13) and of a run (migration 12); null on an
 * older store. Each names its dataset: clocks of two datasets may read the same numbers, and a run
 * id reused in another dataset must not meet a version kept for the one before. A run that is gone,
 * or a dataset without clocks (none is left so by the migration and the insert trigger), reads the
 * workspace-wide versions instead.
 */
function datasetVersions(
  db: Db,
  workspace: Pick<ScoreInputVersions, 'samples' | 'run'>,
): Pick<ScoreInputVersions, 'samples' | 'run'> | null {
  if (!hasTable(db, 'dataset_clocks') || !hasTable(db, 'run_clocks')) return null;
  const samples = db.prepare('SELECT samples FROM dataset_clocks WHERE dataset_id = ?').pluck();
  const run = db
    .prepare(
      `SELECT r.dataset_id, c.samples, c.other, c.meta, COALESCE((SELECT n FROM run_clocks WHERE run_id = r.id), 0)
       FROM runs r JOIN dataset_clocks c ON c.dataset_id = r.dataset_id WHERE r.id = ?`,
    )
    .raw();
  return {
    samples: (datasetId) => {
      const n = samples.get(datasetId) as number | undefined;
      return n === undefined ? `w:${workspace.samples(datasetId)}` : `${datasetId}:${n}`;
    },
    run: (runId) => {
      const row = run.get(runId) as [number, number, number, number, number] | undefined;
      return row === undefined ? `w:${workspace.run(runId)}` : `${row[0]}:${row[1]}/${row[2]}/${row[3]}/p${row[4]}`;
    },
  };
}

/**
 * A dataset summary's version: its dataset's 'samples' and 'meta' clocks (migration 13), which move
 * with every input of its counts and fields (its row, classes, images, samples, regions added or
 * removed) and not with its runs or mask edits.
 */
function summaryVersions(db: Db): NonNullable<ScoreInputVersions['summaries']> {
  // A dataset without clocks (none is left so) reads the workspace-wide version instead.
  const sql = `SELECT d.id, COALESCE(d.id || ':' || c.samples || '/' || c.meta,
       'w:' || (SELECT group_concat(n, '/') FROM (SELECT n FROM score_inputs_clock WHERE id IN (1, 3) ORDER BY id)))
     FROM datasets d LEFT JOIN dataset_clocks c ON c.dataset_id = d.id WHERE d.hidden_by IS NULL`;
  const visible = db.prepare(`${sql} ORDER BY d.id`).raw();
  const one = db.prepare(`${sql} AND d.id = ?`).raw();
  return {
    visible: () => visible.all() as Array<[number, string]>,
    one: (datasetId) => (one.get(datasetId) as [number, string] | undefined)?.[1] ?? null,
  };
}

/**
 * A run's version: the clocks, and what versions its counters and stored scores. Since migration 12
 * triggers bump a clock per run (run_clocks) on writes of its prediction counters and of its stored
 * scores, and the 'ground truth' clock (id 4, among the clocks; 'stored scores', id 2, stands still);
 * a store opened read-only at an older schema sums the counters (two scans) instead, and its
 * 'stored scores' clock moves with every run's scores.
 */
function counterVersions(db: Db, clocks: { all(): unknown[] }): (runId: number) => string {
  if (hasTable(db, 'run_clocks')) {
    const run = db.prepare('SELECT n FROM run_clocks WHERE run_id = ?').pluck();
    return (runId) => `${(clocks.all() as number[]).join('/')}/p${String((run.get(runId) as number | undefined) ?? 0)}`;
  }
  const predictions = db.prepare('SELECT total(rev) FROM prediction_revs WHERE run_id = ?').pluck();
  const groundTruth = db.prepare('SELECT total(rev) FROM ground_truth_revs').pluck();
  return (runId) => `${(clocks.all() as number[]).join('/')}/${String(predictions.get(runId))}/${String(groundTruth.get())}`;
}

/**
 * Values kept with the version they were computed at and reused while it holds. Nothing is kept while
 * the connection is inside a transaction (it sees writes that may still roll back). Callers must not
 * mutate the values.
 */
export class VersionedCache {
  private readonly entries = new Map<string, { version: string; value: unknown }>();

  constructor(
    private readonly db: Db,
    private readonly capacity = 16,
  ) {}

  /** `compute` gets the version it computes at (null: none, nothing is kept). */
  get<T>(key: string, version: (() => string) | null, compute: (version: string | null) => T): T {
    if (version === null || this.db.inTransaction) return compute(null);
    // The version is read before the value: a write committed in between gives a newer value under
    // an older version, which the next call recomputes; never an older value under a newer version.
    const now = version();
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.version === now) return hit.value as T;
    const value = compute(now);
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { version: now, value });
    return value;
  }
}
