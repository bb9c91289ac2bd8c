import { percentText } from '../../../shared/domain/percent';
import type { Command } from 'commander';
import { ApiError, type RunSummary, type TesseraClient } from '../../../shared';
import { noneScoredInSubset } from '../../../shared/domain/subsetScored';
import { resolveDataset, resolveRuns } from '../resolve';
import type { EvalResult, RunScores } from '../../../shared/api/methods/metrics';
import { withSession, type GlobalOptions } from '../context';
import { runJob } from '../jobs';
import { printJson, printLine, table } from '../output';

/** Brings the stored counts up to date as a job (progress on a terminal), then reads the scores. */
export async function evaluateAndScore(client: TesseraClient, datasetId: number, runId: number, subset?: string): Promise<RunScores> {
  await runJob(client, 'metrics.evaluate', { datasetId, runId });
  return client.call('metrics.scores', { datasetId, runId, subset });
}

/** Exactly the docs/design.md §6.2 object (plus `definitions`), in that key order. */
export function evalJson(s: RunScores): EvalResult {
  return { dataset: s.dataset, run: s.run, images: s.images, semantic: s.semantic, referring: s.referring, definitions: s.definitions };
}

/** Percent with two decimals as every table prints it (never "-0.00"); '-' when undefined. */
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : percentText(v, 2));

/**
 * On stderr, when some images are not scored: the run is not finished (its images without results
 * yet), or it was run on a subset (the images it did not run on).
 */
export function warnUnfinished(s: RunScores, run?: RunSummary): void {
  if (s.unpredicted === 0) return;
  const what = s.referring !== null ? 'sample(s)' : 'image(s)';
  if (run?.status === 'complete')
    process.stderr.write(`note: run "${s.run}" was run on a subset: the ${s.unpredicted} ${what} it did not run on are not scored\n`);
  else process.stderr.write(`warning: run "${s.run}" is not finished: ${s.unpredicted} ${what} without results yet are not scored\n`);
}

/** A name as a shell word: as it is when plain, else single-quoted. */
function shellWord(name: string): string {
  return /^[\w.,:@%+=/-]+$/.test(name) ? name : `'${name.replace(/'/g, `'\\''`)}'`;
}

/**
 * How to score only the splits a run's prediction files cover, when every image without a file is in
 * another split (datasets/predictions.ts splitCoverage): '' otherwise.
 */
export function splitHint(splits: { covered: string[]; without: string[] } | undefined, dataset: string, run: string): string {
  if (splits === undefined || splits.covered.length === 0) return '';
  const d = shellWord(dataset);
  const r = shellWord(run);
  const one = splits.covered.length === 1 ? shellWord(splits.covered[0]!) : null;
  const how =
    one !== null
      ? `tessera tags add ${one} --dataset ${d} --split ${one}, then tessera eval --dataset ${d} --run ${r} --subset ${one}`
      : `tag them (tessera tags add TAG --dataset ${d} --split SPLIT, once per split), then tessera eval --dataset ${d} --run ${r} --subset TAG`;
  return `; the files cover ${splitList(splits.covered)} and the images without one are all in ${splitList(splits.without)}: to score only what the files cover, ${how}`;
}

/** `split val` or `splits test, train`. */
function splitList(splits: readonly string[]): string {
  return `split${splits.length === 1 ? '' : 's'} ${splits.join(', ')}`;
}

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}

/** On stderr, when the run was imported from PNGs without a file for some images (scored as all background). */
export function warnMissingFiles(run: RunSummary, dataset: string, subset?: string): void {
  const missing = run.params['imagesWithoutFile'];
  if (typeof missing !== 'number' || missing <= 0) return;
  const covered = stringList(run.params['filesCoverSplits']);
  const without = stringList(run.params['splitsWithoutFile']);
  const splits = covered !== undefined && without !== undefined ? { covered, without } : undefined;
  if (subset !== undefined && splits !== undefined)
    process.stderr.write(
      `note: run "${run.name}" was imported without a prediction file for ${missing} image(s), all in ${splitList(splits.without)} (its files cover ${splits.covered.join(', ')}): any of them in subset "${subset}" is scored as all background\n`,
    );
  else
    process.stderr.write(
      `warning: run "${run.name}" was imported without a prediction file for ${missing} image(s) of the dataset: they are scored as all background${subset === undefined ? splitHint(splits, dataset, run.name) : ''}\n`,
    );
}

/** The scores as `tessera eval` prints them for a person. */
export function printScores(s: RunScores): void {
  printLine(`dataset ${s.dataset}, run ${s.run}${s.subset === null ? '' : `, subset ${s.subset}`}: ${s.images} images (scores in %)`);
  if (s.semantic !== null) {
    const m = s.semantic;
    printLine(
      table([
        ['mIoU', 'mIoU (GT classes)', 'pixel acc', 'mean acc', 'fwIoU'],
        [pct(m.miou), pct(m.miou_gt_classes), pct(m.pixel_acc), pct(m.mean_acc), pct(m.fwiou)],
      ]),
    );
    printLine();
    printLine(table([['ID', 'CLASS', 'IOU', 'ACC'], ...m.per_class.map((c) => [String(c.id), c.name, pct(c.iou), pct(c.acc)])]));
  }
  if (s.referring !== null) {
    const r = s.referring;
    const thresholds = Object.keys(r.precision);
    printLine(
      table([
        ['gIoU', 'cIoU', 'pairs', ...thresholds.map((t) => `P@${t}`)],
        [pct(r.giou), pct(r.ciou), String(r.pairs), ...thresholds.map((t) => pct(r.precision[t]))],
      ]),
    );
  }
  printLine(`definitions: ${s.definitions.join(', ')}`);
}

export function registerEval(program: Command, globals: () => GlobalOptions): void {
  program
    .command('eval')
    .description('score a run against the ground truth (definitions: docs/design.md §5)')
    .requiredOption('--dataset <dataset>', 'dataset name or id')
    .requiredOption('--run <run>', 'run name or id')
    .option('--subset <tag>', 'score only images (or queries) carrying this tag')
    .option('--json', 'print the eval object as JSON')
    .option('--cam-sweep', 'CAM quality of a cam run: pseudo-label mIoU over background thresholds 0.00-0.95, best threshold')
    .action(async (opts: { dataset: string; run: string; subset?: string; json?: boolean; camSweep?: boolean }) => {
      if (opts.camSweep === true) {
        const sweep = await withSession(globals(), async (s) => {
          const dataset = await resolveDataset(s.client, opts.dataset);
          const [run] = await resolveRuns(s.client, dataset.id, dataset.name, [opts.run]);
          return s.client.call('metrics.camSweep', { datasetId: dataset.id, runId: run!.id, subset: opts.subset });
        });
        // Annotated images the sweep could not score are named, as eval names images without a prediction.
        const left = sweep.leftOut;
        if (left.images > 0)
          process.stderr.write(
            `warning: ${left.images} annotated image(s) left out of run "${sweep.run}"'s CAM sweep (${left.examples.join(', ')}${left.images > left.examples.length ? ', …' : ''}): ${left.reasons.join('; ')}; its mIoU is over the other ${sweep.images}\n`,
          );
        if (opts.json === true) return printJson(sweep);
        printLine(
          `CAM quality of run "${sweep.run}" on "${sweep.dataset}" (${sweep.images} images, ${sweep.definition}: mIoU over GT classes)`,
        );
        printLine(table([['threshold', 'mIoU'], ...sweep.thresholds.map((t, i) => [t.toFixed(2), pct(sweep.miou[i] ?? null)])]));
        printLine(`best: threshold ${sweep.best.threshold?.toFixed(2) ?? '-'} with mIoU ${pct(sweep.best.miou)}`);
        return;
      }
      const { scores, run } = await withSession(globals(), async (s) => {
        const dataset = await resolveDataset(s.client, opts.dataset);
        const [found] = await resolveRuns(s.client, dataset.id, dataset.name, [opts.run]);
        const scored = await evaluateAndScore(s.client, dataset.id, found!.id, opts.subset);
        if (opts.subset !== undefined && scored.images === 0)
          throw new ApiError(
            'INVALID_INPUT',
            noneScoredInSubset(opts.subset, dataset.name, [scored.run], scored.referring !== null ? 'query' : 'image'),
          );
        return { scores: scored, run: await s.client.call('runs.get', { runId: found!.id }) };
      });
      warnUnfinished(scores, run);
      warnMissingFiles(run, scores.dataset, opts.subset);
      if (opts.json === true) printJson(evalJson(scores));
      else printScores(scores);
    });
}
