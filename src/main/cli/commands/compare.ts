import { percentText } from '../../../shared/domain/percent';
import type { Command } from 'commander';
import type { Comparison } from '../../../shared/api/methods/metrics';
import { ApiError } from '../../../shared';
import { noneScoredInSubset } from '../../../shared/domain/subsetScored';
import { withSession, type GlobalOptions } from '../context';
import { runJob } from '../jobs';
import { printJson, printLine, table } from '../output';
import { collectRun, resolveDataset, resolveRuns, runRefs } from '../resolve';

/** The bounds metrics.compare takes (src/shared/api/methods/metrics.ts). */
const MAX_SEED = 2 ** 32 - 1;
const MAX_SAMPLES = 100_000;

/** Percent with two decimals as every table prints it (never "-0.00"); '-' when undefined. */
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : percentText(v, 2));

/** The images left out of the per-image comparison and the bootstrap, and why. */
function unscoredNote(c: Comparison): string {
  const n = c.unscored.images;
  return `left out of the per-image comparison and the bootstrap: ${n} image${n === 1 ? '' : 's'} with ${c.unscored.reason ?? 'no per-image score'}`;
}

function printHuman(c: Comparison): void {
  const [a, b] = c.runs;
  printLine(
    `dataset ${c.dataset}${c.subset === null ? '' : `, subset ${c.subset}`}: ${b} (B) vs ${a} (A) on ${c.images} ${c.unit === 'query' ? 'queries' : 'images'} (scores in %)`,
  );
  const row = (m: Pick<Comparison, 'metric' | 'a' | 'b' | 'difference'>): string[] => {
    const d = m.difference;
    return [m.metric, pct(m.a), pct(m.b), d === null ? '-' : pct(d.estimate), d === null ? '-' : `[${pct(d.low)}, ${pct(d.high)}]`];
  };
  printLine(table([['METRIC', 'A', 'B', 'B-A', '95% CI'], row(c), ...c.otherMetrics.map(row)]));
  for (const m of c.otherMetrics) if (m.note !== null) printLine(`${m.metric}: ${m.note}`);
  printLine(
    `per ${c.unit} (${c.imageMetric}): B wins ${c.paired.wins}, ties ${c.paired.ties}, loses ${c.paired.losses}; mean difference ${pct(c.paired.meanDiff)}`,
  );
  printLine(`bootstrap: ${c.bootstrapSamples} paired resamples of ${c.unit === 'query' ? 'queries' : 'images'}, seed ${c.seed}`);
  if (c.unscored.images > 0) printLine(unscoredNote(c));
  const classes = c.classes.filter((k) => k.bWins > 0 || k.aWins > 0);
  if (classes.length > 0) {
    printLine();
    printLine(
      table([
        ['ID', 'CLASS', 'B BETTER', 'A BETTER', 'LARGEST GAINS FOR B'],
        ...classes.map((k) => [
          String(k.id),
          k.name,
          String(k.bWins),
          String(k.aWins),
          k.images
            .slice(0, 3)
            .map((i) => i.fileName)
            .join(' '),
        ]),
      ]),
    );
  }
}

export function registerCompare(program: Command, globals: () => GlobalOptions): void {
  program
    .command('compare')
    .description(
      'paired comparison of two runs: per-image wins/ties/losses and a bootstrap 95% interval of the difference (on a referring dataset, of gIoU and of cIoU)',
    )
    .requiredOption('--dataset <dataset>', 'dataset name or id')
    .option('--runs <a,b>', 'two runs (names or ids), A first')
    .option('--run <run>', 'a run (name or id), repeated: --run A --run B (for names with commas)', collectRun)
    .option('--subset <tag>', 'compare only images (or queries) carrying this tag')
    .option('--seed <n>', 'bootstrap seed (same seed, same interval)', '1')
    .option('--samples <n>', 'bootstrap resamples', '1000')
    .option('--json', 'print the comparison as JSON')
    .action(
      async (
        opts: { dataset: string; runs?: string; run?: string[]; subset?: string; seed: string; samples: string; json?: boolean },
        cmd: Command,
      ) => {
        const refs = runRefs(opts, { min: 2, max: 2 });
        if ('usage' in refs) return cmd.error(refs.usage);
        const seed = /^\d+$/.test(opts.seed.trim()) ? Number(opts.seed) : NaN;
        const samples = /^\d+$/.test(opts.samples.trim()) ? Number(opts.samples) : NaN;
        if (!(seed <= MAX_SEED)) cmd.error(`error: --seed must be an integer from 0 to ${MAX_SEED} (got "${opts.seed}")`);
        if (!(samples >= 1 && samples <= MAX_SAMPLES))
          cmd.error(`error: --samples must be an integer from 1 to ${MAX_SAMPLES} (got "${opts.samples}")`);
        const comparison = await withSession(globals(), async (s) => {
          const dataset = await resolveDataset(s.client, opts.dataset);
          const runs = await resolveRuns(s.client, dataset.id, dataset.name, refs);
          for (const run of runs) await runJob(s.client, 'metrics.evaluate', { datasetId: dataset.id, runId: run.id });
          const c = await s.client.call('metrics.compare', {
            datasetId: dataset.id,
            runIds: [runs[0]!.id, runs[1]!.id],
            subset: opts.subset,
            seed,
            samples,
          });
          if (opts.subset !== undefined && c.images === 0)
            throw new ApiError('INVALID_INPUT', noneScoredInSubset(opts.subset, c.dataset, c.runs, c.unit));
          return c;
        });
        if (opts.json === true) printJson(comparison);
        else printHuman(comparison);
      },
    );
}
