import { mkdir } from 'node:fs/promises';
import { writeExportFile } from './exportStaging';
import { basename, extname, join } from 'node:path';
import { ApiError } from '../../../shared/api/errors';
import { SamplePoints } from '../../../shared/api/methods/heatmaps';
import type { JobContext } from '../jobs/JobRunner';
import { hasSeveralQueries, sampleFileStem } from './stems';
import { datasetImages } from '../store/repos/datasetReads';
import type { StoreDeps } from './staging';
import type { ExportCounts } from './exportVoc';

/** The heatmap a seg-token run stores per sample; its meta holds the points and the decoder prompt. */
const SIMILARITY = 'seg_similarity';

interface ImageRef {
  id: number;
  fileName: string;
  width: number;
  height: number;
}

/** A sample's point prompts from its seg_similarity heatmap, or null when the run stored none for it. */
function samplePoints(deps: StoreDeps, runId: number, image: ImageRef, sample: { id: number; query: string | null }): SamplePoints | null {
  const info = deps.repos.predictions.heatmapInfos(runId, sample.id).find((h) => h.name === SIMILARITY);
  if (info === undefined) return null;
  const meta = info.meta;
  const points = (Array.isArray(meta['points']) ? meta['points'] : []) as Array<{ x: number; y: number; label: number; score: number }>;
  const parsed = SamplePoints.safeParse({
    sampleId: sample.id,
    imageId: image.id,
    fileName: image.fileName,
    query: sample.query,
    width: image.width,
    height: image.height,
    similaritySize: info.shape,
    points: points.map((p) => [p.x, p.y]),
    labels: points.map((p) => p.label),
    scores: points.map((p) => p.score),
    decoder: typeof meta['decoder'] === 'string' ? meta['decoder'] : null,
    decoderPrompt: meta['decoderPrompt'] ?? null,
  });
  if (!parsed.success)
    throw new ApiError('CORRUPT_FILE', `run ${runId}: the stored points of ${image.fileName} (sample ${sample.id}) are malformed`);
  return parsed.data;
}

/** `heatmaps.points`: every sample of the image that has point prompts in the run, query samples in import order. */
export function imagePoints(deps: StoreDeps, runId: number, imageId: number): SamplePoints[] {
  if (deps.repos.runs.get(runId) === undefined) throw new ApiError('NOT_FOUND', `run ${runId} not found`);
  const image = deps.repos.images.get(imageId);
  if (image === undefined) throw new ApiError('NOT_FOUND', `image ${imageId} not found`);
  const ref = { id: image.id, fileName: image.file_name, width: image.width, height: image.height };
  return deps.repos.images
    .samples(imageId)
    .map((s) => samplePoints(deps, runId, ref, s))
    .filter((p): p is SamplePoints => p !== null);
}

/**
 * A seg-token run's point prompts as one JSON file per sample (a SamplePoints object), named as the
 * `export --format npy` files beside them: <image stem>.json, or <image stem>.q<k>.json for the k-th
 * query (from 0, import order) on a dataset with several queries per image (stems.ts).
 */
export async function exportPoints(
  deps: StoreDeps,
  datasetId: number,
  runId: number,
  outDir: string,
  ctx: JobContext,
): Promise<ExportCounts> {
  if (deps.repos.predictions.heatmapCount(runId, SIMILARITY) === 0) {
    const run = deps.repos.runs.get(runId);
    throw new ApiError(
      'INVALID_INPUT',
      `run "${run?.name ?? runId}" stored no point prompts: only seg-token runs (READ's similarity as points) have them`,
    );
  }
  await mkdir(outDir, { recursive: true });
  const images = datasetImages(deps.db, datasetId);
  const perQuery = hasSeveralQueries(images);
  let files = 0;
  let withPoints = 0;
  for (const [i, image] of images.entries()) {
    ctx.signal.throwIfAborted();
    ctx.progress(i, images.length, 'writing point prompts');
    const stem = basename(image.fileName, extname(image.fileName));
    const queries = deps.repos.images.samples(image.id).filter((s) => s.query !== null);
    let wrote = false;
    for (const [k, sample] of queries.entries()) {
      const points = samplePoints(deps, runId, image, sample);
      if (points === null) continue;
      await writeExportFile(join(outDir, `${sampleFileStem(stem, k, perQuery)}.json`), `${JSON.stringify(points, null, 2)}\n`);
      files++;
      wrote = true;
    }
    if (wrote) withPoints++;
  }
  ctx.progress(images.length, images.length, 'done');
  return { files, images: withPoints };
}
