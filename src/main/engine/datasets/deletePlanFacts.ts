/**
 * The reads behind a dataset delete plan (datasets/manage.ts): the dataset's summary, its runs, the
 * rows hanging off it, the image hashes no other dataset has and the cache entries only they own.
 * At 100k images they take ~1 s of queries (the orphan hashes alone ~0.25 s, their cache counts
 * ~0.4 s), so the read worker runs them (store/readWorker/reads.ts): a delete's plan no longer holds
 * the engine's event loop. Reads only (a temporary table of hashes is the connection's own).
 */
import { ApiError } from '../../../shared/api/apiError';
import type { DatasetSummary } from '../../../shared/domain';
import type { Db } from '../store/db';
import { withShaTable } from '../store/repos/inferenceCache';
import type { Repos } from '../store/store';
import { imageCaches, thumbnailFiles } from './manageCollect';

export interface DeletePlanFacts {
  dataset: DatasetSummary;
  runNames: string[];
  counts: ReturnType<Repos['datasets']['dependentCounts']>;
  /** Image hashes no other dataset has: their cache entries go with the dataset. */
  orphans: string[];
  cachedOutputs: number;
  /** The cache files of the orphans (listed here too: at 100k hashes, ~0.1 s each). */
  embeddingFiles: string[];
  thumbnailFiles: string[];
}

/** `beingDeleted`: the dataset is already hidden by its delete (the delete reads its plan then). */
export function deletePlanFacts(
  db: Db,
  repos: Pick<Repos, 'datasets'>,
  datasetId: number,
  cacheDir: string,
  beingDeleted = false,
): DeletePlanFacts {
  const dataset = beingDeleted ? repos.datasets.beingDeleted(datasetId) : repos.datasets.get(datasetId);
  if (dataset === undefined) throw new ApiError('NOT_FOUND', `dataset ${datasetId} not found`);
  // One snapshot for every count (a read transaction: nothing the counts see moves between them).
  return db
    .transaction(() => {
      const runNames = repos.datasets.runNames(datasetId);
      const counts = repos.datasets.dependentCounts(datasetId);
      const orphans = repos.datasets.orphanedImageShas(datasetId);
      const caches = withShaTable(db, orphans, () => imageCaches(db, cacheDir));
      return { dataset, runNames, counts, orphans, ...caches, thumbnailFiles: thumbnailFiles(cacheDir, orphans) };
    })
    .deferred(); // reads only: no write lock (a writable connection's transactions begin IMMEDIATE)
}
