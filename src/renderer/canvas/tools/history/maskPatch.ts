import { cropBox, type PixelBox } from '../../../../shared/pure/maskBox';
import type { RegionMask } from '../raster/regionMask';

/**
 * One edit of a label map: a box and its label bytes before and after (row-major, w*h). What the
 * canvas applies optimistically, keeps for undo, and sends as `annotations.applyEdit`'s patch.
 */
export interface MaskPatch extends PixelBox {
  before: Uint8Array;
  after: Uint8Array;
}

/** The patch that sets the region's pixels to `value`; null when no pixel would change. */
export function patchFromRegion(labels: Uint8Array, width: number, region: RegionMask, value: number): MaskPatch | null {
  const { x, y, w, h } = region;
  const before = cropBox(labels, width, region);
  const after = before.slice();
  let changed = false;
  for (let i = 0; i < after.length; i++) {
    if (region.mask[i] === 1 && after[i] !== value) {
      after[i] = value;
      changed = true;
    }
  }
  return changed ? { x, y, w, h, before, after } : null;
}

/** Writes one side of a patch into the label map (in place). */
export function applyPatch(labels: Uint8Array, width: number, patch: MaskPatch, side: 'before' | 'after'): void {
  const src = side === 'after' ? patch.after : patch.before;
  for (let row = 0; row < patch.h; row++) labels.set(src.subarray(row * patch.w, (row + 1) * patch.w), (patch.y + row) * width + patch.x);
}

/** Memory a patch holds (both sides). */
export function patchBytes(patch: MaskPatch): number {
  return patch.before.byteLength + patch.after.byteLength;
}
