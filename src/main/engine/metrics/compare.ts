/**
 * Paired comparison of two runs on the same samples (docs/design.md §5.6): per-image differences,
 * wins / ties / losses, per class the images where B beat A, and a seeded bootstrap 95% interval of
 * the difference in the dataset metric (mmseg mIoU, or LISA gIoU for referring datasets).
 *
 * Off the engine's thread (docs/design.md §7): the reads and the pairing run in the read worker
 * (metrics/comparePairs.ts through store/readWorker), a big bootstrap in the worker pool; on the
 * engine's thread a 4000-image compare held `tessera serve` 0.2-0.5 s for its reads and, at 100,000
 * samples, 10.7 s for its bootstrap. Runs whose metric rows need a catch-up (a write) are brought up
 * to date and read here. The result is the same, bit for bit, wherever each part runs.
 */
import type { Comparison } from '../../../shared/api/methods/metrics';
import { testGate } from '../jobs/testGate';
import type { Db } from '../store/db';
import type { Repos } from '../store/store';
import type { ReadWorker } from '../store/readWorker/ReadWorker';
import { checkSubsetInDataset } from '../store/repos/metricRows';
import { sharedPool } from '../workers/pool';
import { checkTwoRuns, prepareComparison, withBootstrap, type CompareOptions, type PreparedComparison } from './comparePairs';
import { freshRun } from './scores';

export type { CompareOptions } from './comparePairs';

export async function compareRuns(
  deps: { db: Db; repos: Repos; reads?: Pick<ReadWorker, 'read'> | undefined },
  datasetId: number,
  runIds: [number, number],
  opts: CompareOptions,
): Promise<Comparison> {
  checkTwoRuns(runIds);
  await testGate('compare', new AbortController().signal);
  const read =
    deps.reads === undefined
      ? null
      : await deps.reads.read({ op: 'metrics.compare', datasetId, runIds, subset: opts.subset, seed: opts.seed, samples: opts.samples });
  return finish(read ?? (await prepareHere(deps, datasetId, runIds, opts)));
}

/** Runs whose rows need a catch-up: brought up to date (a write), then read, in the engine's thread. */
async function prepareHere(
  deps: { db: Db; repos: Repos },
  datasetId: number,
  runIds: [number, number],
  opts: CompareOptions,
): Promise<PreparedComparison> {
  checkSubsetInDataset(deps.db, datasetId, opts.subset);
  const fa = await freshRun(deps, datasetId, runIds[0]);
  const fb = await freshRun(deps, datasetId, runIds[1]);
  return prepareComparison(deps, fa, fb, opts);
}

/** The interval of a bootstrap too big to run where the comparison was read: in the worker pool. */
async function finish(prepared: PreparedComparison): Promise<Comparison> {
  if (prepared.bootstrap === null) return prepared.comparison;
  return withBootstrap(prepared.comparison, await sharedPool().run('compareBootstrap', prepared.bootstrap));
}
