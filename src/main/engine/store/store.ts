import type { Db } from './db';
import { datasetsRepo } from './repos/datasets';
import { imagesRepo } from './repos/images';
import { annotationsRepo } from './repos/annotations';
import { jobsRepo } from './repos/jobs';
import { runsRepo } from './repos/runs';
import { predictionsRepo } from './repos/predictions';
import { tagsRepo } from './repos/tags';
import { modelsRepo } from './repos/models';
import { savedFiltersRepo } from './repos/savedFilters';

/** All repositories over one database; each owns its tables. */
export function createRepos(db: Db) {
  return {
    datasets: datasetsRepo(db),
    images: imagesRepo(db),
    annotations: annotationsRepo(db),
    jobs: jobsRepo(db),
    runs: runsRepo(db),
    predictions: predictionsRepo(db),
    tags: tagsRepo(db),
    models: modelsRepo(db),
    savedFilters: savedFiltersRepo(db),
  };
}
export type Repos = ReturnType<typeof createRepos>;
