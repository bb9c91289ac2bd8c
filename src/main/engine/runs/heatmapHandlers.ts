import { ApiError } from '../../../shared/api/errors';
import { geometryFromMeta } from '../../../shared/domain/heatmapGeometry';
import { NamedHeatmapMeta } from '../../../shared/domain/heatmapMeta';
import type { Handlers } from '../api/dispatch';
import type { EngineDeps } from '../deps';
import { imagePoints } from '../datasets/exportPoints';

/** heatmaps.*: what a run stored per sample (CAMs, patch tokens, <SEG> similarity, token importance), served as blob refs. */
export function heatmapHandlers(deps: EngineDeps) {
  return {
    'heatmaps.list': async ({ runId, imageId }) => {
      if (deps.repos.runs.get(runId) === undefined) throw new ApiError('NOT_FOUND', `run ${runId} not found`);
      if (deps.repos.images.get(imageId) === undefined) throw new ApiError('NOT_FOUND', `image ${imageId} not found`);
      const out = [];
      for (const sample of deps.repos.images.samples(imageId)) {
        for (const h of deps.repos.predictions.heatmapInfos(runId, sample.id)) {
          // cam_raw holds the exact per-scale model outputs for export and scoring; the viewer shows `cam`.
          if (h.name === 'cam_raw') continue;
          // Meta typed by name here, where it leaves the store (malformed keys are dropped, see heatmapMeta.ts).
          const named = NamedHeatmapMeta.safeParse({ name: h.name, meta: h.meta });
          if (!named.success) {
            deps.logger.info(
              `heatmaps.list: run ${runId} sample ${sample.id}: heatmap "${h.name}" has a name this version does not know; not listed`,
            );
            continue;
          }
          const name = h.name;
          out.push({
            ...named.data,
            sampleId: sample.id,
            query: sample.query,
            shape: h.shape,
            dtype: h.dtype,
            geometry: geometryFromMeta(h.meta),
            blob: { kind: 'heatmap' as const, runId, sampleId: sample.id, name },
          });
        }
      }
      return out;
    },
    'heatmaps.points': async ({ runId, imageId }) => imagePoints(deps, runId, imageId),
  } satisfies Partial<Handlers>;
}
