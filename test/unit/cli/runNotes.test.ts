import { describe, expect, it } from 'vitest';
import { cudaShapesNote } from '../../../src/main/cli/commands/run';

const profile = (inputShapes?: number) => ({
  images: 10,
  wallMs: 1,
  mainBusyMs: 1,
  stages: { decode: 0, preprocess: 0, inference: 0, transfer: 0, postprocess: 0, commit: 0 },
  ...(inputShapes === undefined ? {} : { inputShapes }),
});

describe('run: the note on input shapes under CUDA', () => {
  it('says what each new shape costs on CUDA once a run fed four or more', () => {
    expect(cudaShapesNote('cuda', profile(10))).toMatch(
      /^10 input shapes: on CUDA each new shape costs a cuDNN algorithm search .*--device cpu can be faster$/,
    );
    expect(cudaShapesNote('cuda', profile(4))).toMatch(/^4 input shapes/);
  });

  it('says nothing on the CPU, for few shapes, or for a summary without the count', () => {
    expect(cudaShapesNote('cpu', profile(10))).toBeNull();
    expect(cudaShapesNote('cuda', profile(3))).toBeNull();
    expect(cudaShapesNote('cuda', profile())).toBeNull();
    expect(cudaShapesNote(null, null)).toBeNull();
  });
});
