import { openTestEngine } from '../../helpers/engine';
import type { Engine } from '../../../src/main/engine/engine';
import { labelMapToRles } from '../../../src/main/engine/masks/labelMap';
import { engineInternals } from '../../../src/main/engine/internals';

/**
 * Writes what model runs would write (runs, predictions, heatmaps) straight through the repositories,
 * then closes the engine so `tessera serve` owns the workspace alone.
 */
export async function withEngine<T>(workspace: string, body: (engine: Engine) => T | Promise<T>): Promise<T> {
  const { engine } = openTestEngine(workspace);
  try {
    return await body(engine);
  } finally {
    await engine.close();
  }
}

export function createRun(engine: Engine, datasetId: number, name: string): number {
  return engineInternals(engine).repos.runs.create({ datasetId, name, source: 'import', status: 'complete' });
}

/** Stores a label map (background included, as a semantic run does) as a run's prediction for the image's semantic sample (or the given sample). */
export function savePrediction(
  engine: Engine,
  runId: number,
  imageId: number,
  labels: Uint8Array,
  width: number,
  height: number,
  sampleId?: number,
): void {
  const sample =
    sampleId ??
    engineInternals(engine).repos.images.semanticSampleId(imageId) ??
    engineInternals(engine).repos.images.createSample(imageId);
  const regions = labelMapToRles(labels, height, width).map((r) => ({
    runId,
    sampleId: sample,
    classIdx: r.classIdx,
    rle: r.rle,
    area: r.area,
  }));
  engineInternals(engine).repos.predictions.replaceForSample(runId, sample, regions);
}

export function saveHeatmap(
  engine: Engine,
  runId: number,
  sampleId: number,
  name: string,
  shape: number[],
  values: Float32Array,
  meta: Record<string, unknown> = {},
): void {
  engineInternals(engine).repos.predictions.saveHeatmap(runId, sampleId, {
    name,
    shape,
    dtype: 'float32',
    data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    meta,
  });
}

export function imageIdsByName(engine: Engine, datasetId: number): Map<string, number> {
  return new Map(
    engineInternals(engine)
      .repos.images.listForDataset(datasetId)
      .map((i) => [i.file_name, i.id]),
  );
}
