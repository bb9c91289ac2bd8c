import { loadSharp } from '../lazyPackages';
import { ApiError } from '../../../shared/api/errors';
import type { BlobRef } from '../../../shared/domain';
import { paintLabelMap } from '../masks/labelMap';
import { groundTruthRegions } from '../annotations/unlabelled';
import type { EngineDeps } from '../deps';
import { runHasPredictions } from '../store/repos/evaluation';
import { appliedOrientation, applyOrientation, jpegWithoutOrientation } from './orientation';
import { contentTypeFor } from './probe';
import { changedImageError, readRegisteredImage, sniffImageType } from './imageFile';
import { jpegWithoutIccProfile, pngWithoutColourChunks } from './colourProfile';
import { thumbnailCache } from './thumbs';

export interface Blob {
  bytes: Uint8Array;
  contentType: string;
}

const BROWSER_FORMATS = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/bmp']);

/**
 * Serves bulk pixels by reference. Only files registered in the workspace can be read: a ref names a
 * row id, never a path, so no request can reach an arbitrary file.
 */
export function blobReader(deps: EngineDeps) {
  async function imageRow(imageId: number) {
    const image = deps.repos.images.get(imageId);
    if (image === undefined) throw new ApiError('NOT_FOUND', `image ${imageId} not found`);
    return image;
  }
  const thumbnail = thumbnailCache(deps.paths.cache, (sha) => deps.repos.images.shownSha(sha));
  return async function readBlob(ref: BlobRef): Promise<Blob> {
    switch (ref.kind) {
      case 'image': {
        const image = await imageRow(ref.imageId);
        // Only the bytes that were imported (imageFile.ts), sent as the type their signature says (a
        // JPEG named .png is a JPEG); the name's extension only when the bytes carry no known signature.
        const bytes = await readRegisteredImage(image);
        const type = sniffImageType(bytes) ?? contentTypeFor(image.path);
        // The bytes show the image's pixel grid with nothing left for the browser to rotate: a raw-grid
        // JPEG goes out with its EXIF orientation tag set to 1 (pixels untouched); an oriented grid,
        // and any other format carrying an orientation, are rotated here and sent as PNG (no EXIF).
        // Nor any colour profile for the browser to convert by: the viewer shows the values models see
        // (colourProfile.ts); a WebP, which may carry one too, goes out as PNG without it.
        const orientation = appliedOrientation(image.grid, image.exif_orientation);
        if (orientation === 1 && type === 'image/jpeg') {
          const upright = jpegWithoutOrientation(bytes) ?? bytes;
          return { bytes: jpegWithoutIccProfile(upright) ?? upright, contentType: type };
        }
        if (orientation === 1 && image.exif_orientation === 1 && type === 'image/png')
          return { bytes: pngWithoutColourChunks(bytes) ?? bytes, contentType: type };
        if (orientation === 1 && image.exif_orientation === 1 && BROWSER_FORMATS.has(type)) return { bytes, contentType: type };
        const png = await applyOrientation(loadSharp()(bytes, { ignoreIcc: true }), orientation)
          .png()
          .toBuffer()
          .catch((err: unknown) => {
            throw changedImageError(image.path, `cannot decode it: ${err instanceof Error ? err.message : String(err)}`);
          });
        return { bytes: png, contentType: 'image/png' };
      }
      case 'labelmap': {
        const image = await imageRow(ref.imageId);
        const samples = deps.repos.images.samples(ref.imageId);
        if (ref.sampleId !== undefined && !samples.some((s) => s.id === ref.sampleId)) {
          throw new ApiError('NOT_FOUND', `sample ${ref.sampleId} is not a sample of image ${ref.imageId}`);
        }
        // Referring images have no semantic sample: show their first query's mask by default.
        const sampleId = ref.sampleId ?? deps.repos.images.semanticSampleId(ref.imageId) ?? samples[0]?.id;
        // An image without ground truth reads all 255 (no pixel labelled yet), as Annotate edits it.
        const query = samples.find((s) => s.id === sampleId)?.query != null;
        const regions = sampleId === undefined ? [] : groundTruthRegions(deps.repos, { id: sampleId, query }, image.height, image.width);
        return { bytes: paintLabelMap(regions, image.height, image.width), contentType: 'application/octet-stream' };
      }
      case 'prediction': {
        const image = await imageRow(ref.imageId);
        const sampleId = ref.sampleId ?? deps.repos.images.semanticSampleId(ref.imageId);
        if (ref.sampleId !== undefined && !deps.repos.images.samples(ref.imageId).some((s) => s.id === ref.sampleId)) {
          throw new ApiError('NOT_FOUND', `sample ${ref.sampleId} is not a sample of image ${ref.imageId}`);
        }
        // A run without a single mask (heatmaps only: CAMs, <SEG> maps) has no prediction to show: an
        // all-background map would draw every object as missed in the viewer's error layer.
        if (!runHasPredictions(deps.db, ref.runId))
          throw new ApiError('NOT_FOUND', `run ${ref.runId} holds no masks (only heatmaps, or no results yet)`);
        const regions = sampleId === undefined ? [] : deps.repos.predictions.forSample(ref.runId, sampleId);
        return { bytes: paintLabelMap(regions, image.height, image.width), contentType: 'application/octet-stream' };
      }
      case 'heatmap': {
        const heatmap = deps.repos.predictions.heatmap(ref.runId, ref.sampleId, ref.name);
        if (heatmap === undefined)
          throw new ApiError('NOT_FOUND', `heatmap "${ref.name}" of run ${ref.runId}, sample ${ref.sampleId} not found`);
        return { bytes: heatmap.data, contentType: 'application/octet-stream' };
      }
      case 'thumb': {
        const image = await imageRow(ref.imageId);
        return {
          bytes: await thumbnail({ ...image, orientation: appliedOrientation(image.grid, image.exif_orientation) }),
          contentType: 'image/webp',
        };
      }
    }
  };
}
export type BlobReader = ReturnType<typeof blobReader>;
