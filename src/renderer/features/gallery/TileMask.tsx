import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import type { BlobRef } from '../../../shared';
import { apiQuery } from '../../api/queries';
import { useBlobBytes } from '../viewer/blobData';
import type { TileOverlay } from './galleryView';

/** Longest side of the drawn overlay: a tile is ~100 px tall, more would only cost decode time. */
const MAX_SIDE = 128;

/** Nearest-neighbour downsample of a label map to at most MAX_SIDE on the long side, coloured through `lut`. */
export function tileMaskRgba(
  labels: Uint8Array,
  width: number,
  height: number,
  lut: Uint8ClampedArray,
): { data: Uint8ClampedArray<ArrayBuffer>; width: number; height: number } {
  const k = Math.min(1, MAX_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * k));
  const h = Math.max(1, Math.round(height * k));
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / h));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(width - 1, Math.floor(((x + 0.5) * width) / w));
      const v = labels[sy * width + sx] as number;
      data.set(lut.subarray(v * 4, v * 4 + 4), (y * w + x) * 4);
    }
  }
  return { data, width: w, height: h };
}

/**
 * The ground truth or a run's prediction over a gallery thumbnail (the tile overlay toggle), fetched
 * only for tiles in view. Sized like the thumbnail (the tile's box, object-fit: contain on both: the
 * whole image letterboxed), so it lines up.
 */
export function TileMask(p: {
  imageId: number;
  width: number | undefined;
  height: number | undefined;
  overlay: TileOverlay;
  lut: Uint8ClampedArray;
}): React.JSX.Element | null {
  // Score-sorted tiles do not carry the image size: the image's detail does (cached with the viewer's).
  const detail = useQuery({
    ...apiQuery('images.get', { imageId: p.imageId }),
    enabled: p.width === undefined && p.overlay.kind !== 'none',
  });
  const width = p.width ?? detail.data?.width;
  const height = p.height ?? detail.data?.height;
  const ref: BlobRef | null =
    p.overlay.kind === 'gt'
      ? { kind: 'labelmap', imageId: p.imageId, source: 'gt' }
      : p.overlay.kind === 'pred'
        ? { kind: 'prediction', runId: p.overlay.runId, imageId: p.imageId }
        : null;
  const bytes = useBlobBytes(ref);
  const canvas = useRef<HTMLCanvasElement>(null);
  const labels = bytes.data;
  useEffect(() => {
    const c = canvas.current;
    if (c === null || labels === undefined || width === undefined || height === undefined || labels.length !== width * height) return;
    const rgba = tileMaskRgba(labels, width, height, p.lut);
    c.width = rgba.width;
    c.height = rgba.height;
    c.getContext('2d')?.putImageData(new ImageData(rgba.data, rgba.width, rgba.height), 0, 0);
  }, [labels, width, height, p.lut]);
  if (ref === null || labels === undefined) return null;
  return <canvas ref={canvas} className="tile-mask" data-testid="tile-mask" aria-hidden="true" />;
}
