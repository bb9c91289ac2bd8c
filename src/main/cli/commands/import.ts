import { InvalidArgumentError, Option, type Command } from 'commander';
import { ApiError } from '../../../shared/api/errors';
import type { ImportResult, Input } from '../../../shared';
import { PredictionFormat } from '../../../shared/api/methods/datasets';
import { withSession, type GlobalOptions } from '../context';
import { sharedPool } from '../../engine/workers/pool';
import { runJob } from '../jobs';
import { printJson, printLine } from '../output';
import { resolveDataset } from '../resolve';
import { evalJson, evaluateAndScore, printScores, splitHint } from './eval';

function report(result: ImportResult, json: boolean): void {
  if (json) return printJson(result);
  printLine(`imported ${result.images} images (${result.annotated} with masks) as dataset "${result.name}" (id ${result.datasetId})`);
  printSkipped(result.skipped);
  for (const note of result.notes) printLine(`note: ${note}`);
  if (result.orientations.length > 0) {
    printLine(`${result.orientations.length} image(s) carry an EXIF orientation (pixel grid chosen per image; see README "Pixel grid"):`);
    for (const o of result.orientations)
      printLine(
        `  ${o.file}: orientation ${o.orientation}, ${o.grid === 'raw' ? 'raw grid (EXIF ignored, as PIL)' : 'oriented grid (EXIF applied, as OpenCV)'} ${o.width}x${o.height}`,
      );
  }
}

function printSkipped(skipped: Array<{ file: string; reason: string }>): void {
  if (skipped.length === 0) return;
  printLine(`skipped ${skipped.length} file(s):`);
  for (const s of skipped) printLine(`  ${s.file}: ${s.reason}`);
}

type DatasetImport =
  'datasets.importFolder' | 'datasets.importVoc' | 'datasets.importCoco' | 'datasets.importReasonSeg' | 'datasets.importRefCoco';

/** Runs one import job and prints its ImportResult. */
async function runImport<M extends DatasetImport>(
  globals: GlobalOptions,
  json: boolean | undefined,
  method: M,
  input: Input<M>,
): Promise<void> {
  report(await withSession(globals, (s) => runJob(s.client, method, input)), json === true);
}

export function registerImport(program: Command, globals: () => GlobalOptions): void {
  const imp = program.command('import').description('import a dataset or predictions');
  imp
    .command('folder')
    .description('import a plain folder of images, with optional PNG masks named like the images')
    .argument('<dir>', 'folder of images')
    .option('--masks <dir>', 'folder of PNG masks (<image stem>.png; palette, grey or 0/255)')
    .option(
      '--mask-threshold <t>',
      'read grey masks as binary: value > t is the object (soft, anti-aliased masks; JPEG masks, as Kvasir-SEG ships, read as Pillow does), e.g. 127',
      parseThreshold,
    )
    .option('--reduce-zero-label', "mmseg's reduce_zero_label (ADE20K): mask value 0 is unlabelled (ignored), value v is class v-1")
    .option('--name <name>', 'dataset name (default: the folder name)')
    .option('--json', 'print the result as JSON')
    .action(
      async (dir: string, opts: { masks?: string; maskThreshold?: number; reduceZeroLabel?: boolean; name?: string; json?: boolean }) => {
        await runImport(globals(), opts.json, 'datasets.importFolder', {
          dir,
          masksDir: opts.masks,
          name: opts.name,
          ...(opts.maskThreshold === undefined ? {} : { maskThreshold: opts.maskThreshold }),
          ...(opts.reduceZeroLabel === true ? { reduceZeroLabel: true } : {}),
        });
      },
    );
  imp
    .command('voc')
    .description('import a PASCAL VOC root (JPEGImages, SegmentationClass[Aug], ImageSets/Segmentation)')
    .argument('<root>', 'VOC root folder (e.g. VOCdevkit/VOC2012)')
    .option('--split <split>', 'only the images of ImageSets/Segmentation/<split>.txt (default: every split list)')
    .option('--name <name>', 'dataset name (default: the folder name)')
    .option('--json', 'print the result as JSON')
    .action(async (root: string, opts: { split?: string; name?: string; json?: boolean }) => {
      await runImport(globals(), opts.json, 'datasets.importVoc', { root, split: opts.split, name: opts.name });
    });
  imp
    .command('coco')
    .description('import a COCO instances JSON (polygons, RLE, iscrowd; streamed)')
    .argument('<annotations>', 'instances JSON, e.g. annotations/instances_val2017.json')
    .requiredOption('--images <dir>', 'folder holding the images named by file_name')
    .option('--name <name>', 'dataset name (default: the JSON file name)')
    .option('--json', 'print the result as JSON')
    .action(async (annotations: string, opts: { images: string; name?: string; json?: boolean }) => {
      await runImport(globals(), opts.json, 'datasets.importCoco', { annotations, imagesDir: opts.images, name: opts.name });
    });
  imp
    .command('reasonseg')
    .description('import ReasonSeg: {train,val,test}/<name>.jpg + <name>.json (LISA)')
    .argument('<dir>', 'ReasonSeg folder (holding train/ val/ test/, or one of them)')
    .option('--name <name>', 'dataset name (default: the folder name)')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, opts: { name?: string; json?: boolean }) => {
      await runImport(globals(), opts.json, 'datasets.importReasonSeg', { dir, name: opts.name });
    });
  imp
    .command('refcoco')
    .description('import RefCOCO-style refs pointing at COCO instances: one sample per sentence')
    .argument('<refs>', 'refs JSON (a list of {ref_id, ann_id, image_id, split, sentences})')
    .requiredOption('--instances <file>', 'the COCO instances JSON the refs point into')
    .requiredOption('--images <dir>', 'folder holding the images named by file_name')
    .option('--split <split>', 'only refs of this split (e.g. val, testA)')
    .option('--name <name>', 'dataset name (default: the refs file name and split)')
    .option('--json', 'print the result as JSON')
    .action(async (refs: string, opts: { instances: string; images: string; split?: string; name?: string; json?: boolean }) => {
      await runImport(globals(), opts.json, 'datasets.importRefCoco', {
        refs,
        instances: opts.instances,
        imagesDir: opts.images,
        split: opts.split,
        name: opts.name,
      });
    });
  imp
    .command('predictions')
    .description('import predictions made elsewhere as a run of a dataset')
    .argument('<path>', 'folder of per-image files (png, npy, toco-cam) or a results JSON (coco-results)')
    .requiredOption('--dataset <dataset>', 'dataset name or id')
    .requiredOption('--run <run>', 'name of the new run')
    .addOption(new Option('--format <format>', 'what PATH holds').choices(PredictionFormat.options).makeOptionMandatory())
    .option('--min-score <score>', 'coco-results: leave out results scoring below this (e.g. 0.5)', parseScore)
    .option(
      '--mask-threshold <t>',
      'png: grey value > t is the target / class 1 (probability maps on referring or two-class datasets)',
      parseThreshold,
    )
    .option('--reduce-zero-label', "png: files written as class + 1 (mmseg's format_only on a --reduce-zero-label dataset)")
    .option('--eval', 'then score the run as `tessera eval` does, in the same process')
    .option('--json', 'print the result as JSON (with --eval: {"import": ..., "eval": ...})')
    .action(
      async (
        path: string,
        opts: {
          dataset: string;
          run: string;
          format: PredictionFormat;
          minScore?: number;
          maskThreshold?: number;
          reduceZeroLabel?: boolean;
          eval?: boolean;
          json?: boolean;
        },
      ) => {
        if (opts.minScore !== undefined && opts.format !== 'coco-results')
          throw new ApiError('INVALID_INPUT', '--min-score applies to --format coco-results only');
        if (opts.eval === true && (opts.format === 'npy' || opts.format === 'toco-cam'))
          throw new ApiError(
            'INVALID_INPUT',
            `--eval scores masks, and --format ${opts.format} imports heatmaps: import without --eval${opts.format === 'toco-cam' ? ', then tessera eval --cam-sweep scores the CAMs' : ''}`,
          );
        sharedPool().warm();
        const { result, scores, evalFailure } = await withSession(globals(), async (s) => {
          const dataset = await resolveDataset(s.client, opts.dataset);
          // With --eval the engine first refuses what eval would refuse (no ground truth, ...): nothing is imported then.
          const imported = await runJob(s.client, 'runs.importPredictions', {
            datasetId: dataset.id,
            run: opts.run,
            format: opts.format,
            path,
            ...(opts.minScore === undefined ? {} : { minScore: opts.minScore }),
            ...(opts.maskThreshold === undefined ? {} : { maskThreshold: opts.maskThreshold }),
            ...(opts.reduceZeroLabel === true ? { reduceZeroLabel: true } : {}),
            ...(opts.eval === true ? { evaluate: true } : {}),
          });
          if (opts.eval !== true) return { result: imported, scores: null, evalFailure: null };
          // PNG predictions are counted while imported: scoring them reads the stored counts.
          try {
            return { result: imported, scores: await evaluateAndScore(s.client, dataset.id, imported.runId), evalFailure: null };
          } catch (err) {
            // The run is imported and stays: the error says so (a retry under the same name would be refused).
            return { result: imported, scores: null, evalFailure: err };
          }
        });
        const missing = result.withoutFile;
        if (missing !== undefined)
          process.stderr.write(
            `warning: ${missing.images} of ${missing.of} images of dataset "${opts.dataset}" have no prediction file in ${path} (${missing.examples.join(', ')}${missing.images > missing.examples.length ? ', …' : ''}): run "${result.name}" scores them as all background${splitHint(missing.splits, opts.dataset, result.name)}\n`,
          );
        const what = result.heatmaps > 0 ? `${result.heatmaps} heatmaps` : `${result.regions} regions`;
        const imported = `imported run "${result.name}" (id ${result.runId}): ${what} on ${result.images} images`;
        if (evalFailure !== null) {
          const why = evalFailure instanceof Error ? evalFailure.message : String(evalFailure);
          throw new ApiError(evalFailure instanceof ApiError ? evalFailure.code : 'INTERNAL', `${imported}; evaluation failed: ${why}`);
        }
        if (opts.json === true) return printJson(scores === null ? result : { import: result, eval: evalJson(scores) });
        printLine(imported);
        printSkipped(result.skipped);
        for (const note of result.notes ?? []) printLine(`note: ${note}`);
        if (scores !== null) {
          printLine();
          printScores(scores);
        }
      },
    );
}

function parseThreshold(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n > 254) throw new InvalidArgumentError(`expected a whole number from 0 to 254, got "${v}"`);
  return n;
}

function parseScore(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${v}"`);
  return n;
}
