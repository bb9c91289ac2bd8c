import { describe, expect, it } from 'vitest';
import { predictedWithoutGroundTruth } from '../../../src/renderer/features/benchmarks/columns';
import type { RunScores } from '../../../src/shared/api/methods/metrics';

const run = (name: string, ious: Array<number | null>): RunScores =>
  ({
    run: name,
    semantic: { per_class: ious.map((iou, id) => ({ id, name: `c${id}`, iou, acc: iou })) },
  }) as unknown as RunScores;

describe('Benchmarks: classes without ground truth that a run predicts', () => {
  it('names each with the runs whose IoU for it is defined (0: counted in mmseg mIoU), and no others', () => {
    // c2 ("ghost"): no GT pixels, predicted by B only (IoU 0); c3 ("never"): undefined for both.
    const scores = [run('A', [0.9, 0.5, null, null]), run('B', [0.8, 0.4, 0, null])];
    const absent = [
      { id: 2, name: 'ghost' },
      { id: 3, name: 'never' },
    ];
    expect(predictedWithoutGroundTruth(absent, scores)).toEqual([{ name: 'ghost', runs: ['B'] }]);
    expect(predictedWithoutGroundTruth([{ id: 3, name: 'never' }], scores)).toEqual([]);
  });
});
