/**
 * The paired bootstrap of a comparison as a pool task (workers/tasks.ts): `samples` resamples of the
 * images, each recomputing the dataset metric of both runs, cost ~ samples × images × classes. On the
 * engine's thread it held `tessera serve` (a 4000-image compare at 100,000 samples: 10.7 s, every other
 * request waiting; at the default 1000, 0.37 s). Same code, same draws: the interval is bit-identical
 * wherever it runs. Pure: no store, no zod (the pool's workers load without it).
 */
import { pairedBootstrap, type BootstrapInterval } from './bootstrap';
import type { ClassCounts } from './confusion';
import { meanDifferenceStatistic, semanticDifferenceStatistic } from './datasetStatistic';

export type CompareBootstrapTask =
  | { kind: 'semantic'; a: ClassCounts[]; b: ClassCounts[]; seed: number; samples: number }
  | { kind: 'referring'; a: number[]; b: number[]; seed: number; samples: number };

/** The interval, or the RangeError's message (no scorable pixels): errors cross the pool as text. */
export type CompareBootstrapResult = { interval: BootstrapInterval } | { refused: string };

/** Draws × images below which the bootstrap runs where it is asked (starting a worker costs more). */
export const INLINE_BOOTSTRAP_WORK = 200_000;

export function compareBootstrap(task: CompareBootstrapTask): Promise<CompareBootstrapResult> {
  const opts = { seed: task.seed, samples: task.samples };
  try {
    const interval =
      task.kind === 'semantic'
        ? pairedBootstrap(
            task.a,
            task.b,
            semanticDifferenceStatistic(task.a, task.b, (s) => s.miou),
            opts,
          )
        : pairedBootstrap(task.a, task.b, meanDifferenceStatistic(task.a, task.b), opts);
    return Promise.resolve({ interval });
  } catch (err) {
    if (err instanceof RangeError) return Promise.resolve({ refused: err.message });
    throw err;
  }
}
