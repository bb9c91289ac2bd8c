/**
 * Corrections (docs/design.md §5.7): a run's scores against the imported ground truth (every region at
 * version 1) and against the current one, on a subset. Only corrected samples are recounted against
 * their imported regions; every other sample reuses its stored rows, which are the same for both.
 *
 * "Before" is the eval the run had before any edit: a semantic image with no imported region was not
 * scored then (evaluationSet.ts scores images with ground truth), so one first annotated in the app is
 * in "after" only. A sample is corrected when its current label map differs from its imported one, so
 * an edit undone back to the imported mask (undo appends versions) is no correction; only samples with
 * some edit (correctedSampleIds) are painted to check.
 */
import { ignoresPredicted255 } from './predictionIgnore';
import type { CorrectionScores } from '../../../shared/api/methods/metrics';
import type { Db } from '../store/db';
import type { Repos } from '../store/store';
import { evalResult, referringBlock, semanticBlock } from './aggregate';
import { metricRowsStore, subsetFilter, type SampleRows } from '../store/repos/metricRows';
import { paintLabelMap } from '../masks/labelMap';
import { LabelMapScratch, countSample, type CountRow, type Region } from './sampleCounts';
import { freshRun, type FreshRun } from './scores';

function blockOf(deps: { repos: Repos }, fresh: FreshRun, samples: readonly SampleRows[]): ReturnType<typeof evalResult> {
  const { dataset, run, set } = fresh;
  const names = { dataset: dataset.name, run: run.name };
  if (set.task === 'referring') {
    const imageOf = new Map(set.samples.map((s) => [s.sampleId, s.imageId]));
    const images = new Set(samples.map((s) => imageOf.get(s.sampleId))).size;
    return evalResult(names, set.task, images, referringBlock(samples));
  }
  const sums = new Map<number, CountRow>();
  for (const s of samples) {
    for (const r of s.rows) {
      const t = sums.get(r.classIdx) ?? { classIdx: r.classIdx, tp: 0, fp: 0, fn: 0, gtPixels: 0 };
      sums.set(r.classIdx, { classIdx: r.classIdx, tp: t.tp + r.tp, fp: t.fp + r.fp, fn: t.fn + r.fn, gtPixels: t.gtPixels + r.gtPixels });
    }
  }
  return evalResult(
    names,
    set.task,
    samples.length,
    semanticBlock([...sums.values()], deps.repos.datasets.classes(dataset.id), set.numClasses),
  );
}

export async function correctionScores(
  deps: { db: Db; repos: Repos },
  datasetId: number,
  runId: number,
  subset?: string,
): Promise<CorrectionScores> {
  const fresh = await freshRun(deps, datasetId, runId);
  const filter = subsetFilter(deps.db, subset);
  const after = metricRowsStore(deps.db).perSample(fresh.run.id, filter);
  const corrected = deps.repos.annotations.correctedSampleIds(datasetId);
  const samples = new Map(fresh.set.samples.map((s) => [s.sampleId, s]));
  const scratch = new LabelMapScratch();
  let correctedImages = 0;
  const before: SampleRows[] = [];
  for (const s of after) {
    const sample = samples.get(s.sampleId);
    if (!corrected.has(s.sampleId) || sample === undefined) {
      before.push(s);
      continue;
    }
    const imported = deps.repos.annotations.importedRegions(s.sampleId);
    // A semantic image is scored when it has ground truth; one without imported regions had none then.
    // A referring query is always scored: an empty imported target is ground truth.
    if (fresh.set.task === 'semantic' && imported.length === 0) {
      correctedImages++;
      continue;
    }
    if (samePaint(sample, imported, deps.repos.annotations.currentForSample(s.sampleId))) {
      before.push(s);
      continue;
    }
    correctedImages++;
    const rows = countSample(
      {
        task: fresh.set.task,
        numClasses: fresh.set.numClasses,
        sample,
        groundTruth: imported,
        prediction: deps.repos.predictions.forSample(fresh.run.id, s.sampleId),
        datasetLabel: `dataset "${fresh.dataset.name}"`,
        runLabel: `run "${fresh.run.name}"`,
        predictionIgnore: ignoresPredicted255(fresh.run),
      },
      scratch,
    );
    before.push({ sampleId: s.sampleId, rows });
  }
  return { subset: filter.tag, correctedImages, before: blockOf(deps, fresh, before), after: blockOf(deps, fresh, after) };
}

/** Whether two region lists paint the same label map; false when a region's size is not the sample's (countSample then recounts and reports it). */
function samePaint(sample: { height: number; width: number }, x: readonly Region[], y: readonly Region[]): boolean {
  const fits = (regions: readonly Region[]): boolean =>
    regions.every((r) => r.rle.size[0] === sample.height && r.rle.size[1] === sample.width);
  if (!fits(x) || !fits(y)) return false;
  return Buffer.from(paintLabelMap([...x], sample.height, sample.width)).equals(
    Buffer.from(paintLabelMap([...y], sample.height, sample.width)),
  );
}
