// PREPROCESSING_VERSION (preprocess.ts) is part of every cached model output's and SAM embedding's
// key. d14488c changed torch-bilinear's values (by up to a few float32 ulps) without any key changing,
// so an upgraded workspace served the old outputs "from cache". This test runs the real imageToTensor
// over a generated image in every size policy, resize method, range, channel order and normalization a
// manifest can ask for, hashes the tensors and compares the hash with the one recorded for the
// current version: a change to the tensors fails here until the version is bumped.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { imageToTensor, PREPROCESSING_VERSION, type RgbImage } from '../../../../src/main/engine/models/preprocess';
import { InputSpec, type Interpolation, type SizePolicy } from '../../../../src/shared/domain';

/**
 * sha256 of every tensor below, recorded with the PREPROCESSING_VERSION that makes them. Version 1
 * (before d14488c, whose torch-bilinear was not yet torch's float32 arithmetic) gave
 * e7f226bb8729b9aff7d181cfe96e756f7b98ae8b1d7d36ef3349d4b3bd8c9bfe (this test run with the
 * tokens/interpolate.ts of d14488c^).
 */
const RECORDED = { version: 2, sha256: 'baa6c90717c6f7bb452a6261d785a7ef21c4a8ef05cf18fc88c1916c708d38b2' };

/** A w x h RGB image: gradients in every channel, a white box, a dark column and a checkered patch (hard edges to interpolate). */
function testImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      let rgb = [Math.floor((255 * x) / (width - 1)), Math.floor((255 * y) / (height - 1)), (x * 7 + y * 13) % 256];
      if (x >= 5 && x < 11 && y >= 4 && y < 9) rgb = [255, 255, 255];
      if (x === Math.floor(width / 2)) rgb = [3, 17, 0];
      if (x >= width - 8 && y >= height - 7 && (x + y) % 2 === 0) rgb = [250, 0, 128];
      data.set(rgb, i);
    }
  }
  return { data, width, height };
}

interface Geometry {
  policy: SizePolicy;
  size: [number, number];
  multiple?: number;
  scale?: number;
  flip?: boolean;
}

/** Every policy, sizes that enlarge and shrink (by more than 2, so PIL's antialiasing counts), ToCo's scale and flip. */
const GEOMETRIES: Geometry[] = [
  { policy: 'fixed', size: [1, 1] },
  { policy: 'fixed', size: [1, 1], scale: 1.5, flip: true },
  { policy: 'resize', size: [29, 19] },
  { policy: 'resize', size: [9, 11] },
  { policy: 'resize', size: [29, 19], scale: 0.5, flip: true },
  { policy: 'longest-side-pad', size: [48, 48] },
  { policy: 'shortest-side-center-crop', size: [17, 17] },
  { policy: 'keep-aspect', size: [32, 32], multiple: 8 },
];

/** Absent means torch-bilinear (the default): both are listed, as a manifest can say either. */
const INTERPOLATIONS: Array<Interpolation | undefined> = [undefined, 'torch-bilinear', 'pil-bilinear', 'pil-bicubic', 'cv2-linear'];

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const NORMALIZATIONS: Array<Record<string, unknown>> = [
  { range: '0-255', channel_order: 'RGB' },
  { range: '0-1', channel_order: 'RGB' },
  { range: '0-1', channel_order: 'RGB', ...IMAGENET },
  { range: '0-1', channel_order: 'BGR', ...IMAGENET },
  { range: '0-255', channel_order: 'BGR', mean: [103.53, 116.28, 123.675], std: [57.375, 57.12, 58.395] },
];

/** sha256 over every case's label, tensor dims and geometry and the tensor's float32 bytes, in this fixed order. */
function preprocessingHash(): { sha256: string; tensors: number } {
  const h = createHash('sha256');
  let tensors = 0;
  // Landscape and portrait: the pad and crop policies take another branch for each.
  for (const img of [testImage(37, 23), testImage(23, 37)]) {
    for (const g of GEOMETRIES) {
      for (const interpolation of INTERPOLATIONS) {
        for (const norm of NORMALIZATIONS) {
          const spec = InputSpec.parse({ tensor: 'x', policy: g.policy, size: g.size, multiple: g.multiple, interpolation, ...norm });
          const t = imageToTensor(img, spec, { scale: g.scale ?? 1, flip: g.flip ?? false });
          h.update(
            JSON.stringify({
              image: [img.width, img.height],
              g,
              interpolation: interpolation ?? null,
              norm,
              dims: t.dims,
              geometry: t.geometry,
            }),
          );
          h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
          tensors++;
        }
      }
    }
  }
  return { sha256: h.digest('hex'), tensors };
}

describe('PREPROCESSING_VERSION', () => {
  it('the generated image makes every resize interpolate', () => {
    const spec = InputSpec.parse({ tensor: 'x', policy: 'resize', size: [29, 19] });
    const values = imageToTensor(testImage(37, 23), spec).data;
    expect(values.some((v) => !Number.isInteger(v))).toBe(true);
  });

  it('is bumped whenever imageToTensor gives other tensors (the hash recorded here is its version)', () => {
    const { sha256, tensors } = preprocessingHash();
    expect(tensors).toBe(2 * GEOMETRIES.length * INTERPOLATIONS.length * NORMALIZATIONS.length);
    const next = RECORDED.version + 1;
    if (PREPROCESSING_VERSION !== RECORDED.version)
      expect.fail(
        `PREPROCESSING_VERSION is ${PREPROCESSING_VERSION} but the hash recorded in this test is version ${RECORDED.version}'s: record the new hash as RECORDED = { version: ${PREPROCESSING_VERSION}, sha256: '${sha256}' }`,
      );
    if (sha256 !== RECORDED.sha256)
      expect.fail(
        `preprocessing output changed (sha256 ${sha256}; version ${RECORDED.version} recorded ${RECORDED.sha256}): bump PREPROCESSING_VERSION to ${next} in src/main/engine/models/preprocess.ts (so cached outputs and embeddings of the old tensors are recomputed) and record the new hash in this test as RECORDED = { version: ${next}, sha256: '${sha256}' }. Edited this test's cases rather than the preprocessing? Then record the new hash under the same version.`,
      );
  });
});
