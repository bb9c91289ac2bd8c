import type { CurrentRegion } from '../store/repos/annotations';
import type { Repos } from '../store/store';
import { countsToString } from '../masks/rleString';
import { IGNORE_INDEX } from '../metrics/confusion';

/**
 * A label map without ground truth (no region at all, not even an erased one) has no label on any pixel:
 * its map reads all 255 (ignore), not all background. Painted as background, the first stroke on an
 * unannotated image made every pixel it never touched a background pixel of the ground truth, and the
 * image was scored as such (probes AE, AF). The map is one region of class 255 over the whole image
 * that exists only until the first edit, which writes it as a new region (UNLABELLED_REGION_ID in a
 * change): the pixels the edit paints leave it, every other pixel stays ignore, and undoing that edit
 * drops both regions, so the image has no ground truth again.
 */
export const UNLABELLED_REGION_ID = -1;

/**
 * The sample's current regions, or the one unlabelled region when a label map has no ground truth. A
 * query's mask (`query`: referring datasets) is ground truth even without regions: an empty target is
 * a scored pair (metrics/evaluationSet.ts), all 0.
 */
export function groundTruthRegions(
  repos: Pick<Repos, 'annotations'>,
  sample: { id: number; query: boolean },
  height: number,
  width: number,
): CurrentRegion[] {
  const regions = repos.annotations.currentForSample(sample.id);
  if (sample.query || regions.length > 0 || repos.annotations.hasGroundTruth(sample.id)) return regions;
  return [
    {
      annotationId: UNLABELLED_REGION_ID,
      classIdx: IGNORE_INDEX,
      iscrowd: false,
      version: 0,
      rle: { size: [height, width], counts: countsToString([0, height * width]) },
    },
  ];
}
