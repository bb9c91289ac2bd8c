import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { ApiError } from '../../../shared/api/errors';
import type { BlobRef } from '../../../shared/domain';
import { paintLabelMap } from '../masks/labelMap';
import type { EngineDeps } from '../deps';
import { contentTypeFor } from './probe';

export interface Blob {
  bytes: Uint8Array;
  contentType: string;
}

const BROWSER_FORMATS = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/bmp']);

/**
 * Serves bulk pixels by reference. Only files registered in the workspace can be read: a ref names a
 * row id, never a path, so no request can reach an arbitrary file.
 */
export function blobReader(deps: EngineDeps) {
  return async function readBlob(ref: BlobRef): Promise<Blob> {
    const image = deps.repos.images.get(ref.imageId);
    if (image === undefined) throw new ApiError('NOT_FOUND', `image ${ref.imageId} not found`);
    switch (ref.kind) {
      case 'image': {
        const bytes = await readFile(image.path).catch(() => {
          throw new ApiError('NOT_FOUND', `${image.path}: image file is missing (moved or deleted since import)`);
        });
        const type = contentTypeFor(image.path);
        if (BROWSER_FORMATS.has(type)) return { bytes, contentType: type };
        return { bytes: await sharp(bytes).png().toBuffer(), contentType: 'image/png' };
      }
      case 'labelmap': {
        const sampleId = deps.repos.images.semanticSampleId(ref.imageId);
        const regions = sampleId === undefined ? [] : deps.repos.annotations.currentForSample(sampleId);
        const labels = paintLabelMap(regions, image.height, image.width);
        return { bytes: labels, contentType: 'application/octet-stream' };
      }
    }
  };
}
export type BlobReader = ReturnType<typeof blobReader>;
