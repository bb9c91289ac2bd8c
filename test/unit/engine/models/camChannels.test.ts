import { describe, expect, it } from 'vitest';
import { fusedCamAtImageSize, selectCamChannels, type RawCams } from '../../../../src/main/engine/models/adapters/cam';
import type { HeatmapGeometry } from '../../../../src/shared/domain/heatmapGeometry';
import {
  camPostprocess,
  fuseAtWorkingSize,
  workingCamAtImageSize,
  type CamPostprocessTask,
} from '../../../../src/main/engine/models/adapters/camPostprocess';
import type { InputGeometry } from '../../../../src/main/engine/models/preprocess';
import { camToPseudoLabel, camToPseudoLabelThreeBand } from '../../../../src/shared/pure/pseudoLabel';
import { testRandom } from '../metrics/naive';

/** ToCo-like raw CAMs: three scales of a 448 working size (28, 14 and 42 cells), C channels, each with its flip. */
function rawCams(random: () => number, channels: number, geometry: HeatmapGeometry | null): RawCams {
  const perScale = [28, 14, 42].map((side) => ({
    cam: Float32Array.from({ length: channels * side * side }, () => random() * 4 - 1),
    flipped: Float32Array.from({ length: channels * side * side }, () => random() * 4 - 1),
    channels,
    h: side,
    w: side,
  }));
  return { scales: [1, 0.5, 1.5], perScale, clsLogits: null, workingSize: [448, 448], geometry };
}

describe('selectCamChannels', () => {
  // A 448x448 working tensor of a 500x375 image resized to fit (the longest side) and padded below.
  const letterbox: HeatmapGeometry = {
    tensorHeight: 448,
    tensorWidth: 448,
    contentHeight: 336,
    contentWidth: 448,
    cropTop: 0,
    cropLeft: 0,
    gridHeight: 448,
    gridWidth: 448,
  };

  for (const [label, geometry] of [
    ['a plain resize', null],
    ['a letterboxed input', letterbox],
  ] as const) {
    it(`fuses the chosen channels to exactly those channels of the fused CAM of all (${label})`, () => {
      const raw = rawCams(testRandom(7), 6, geometry);
      const all = fusedCamAtImageSize(raw, 375, 500);
      const plane = 375 * 500;
      for (const pick of [[4], [0, 5], [3, 1, 2]]) {
        const some = fusedCamAtImageSize(selectCamChannels(raw, pick), 375, 500);
        expect(some.channels).toBe(pick.length);
        pick.forEach((c, j) => {
          const expected = all.cam.subarray(c * plane, (c + 1) * plane);
          const got = some.cam.subarray(j * plane, (j + 1) * plane);
          expect(
            Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(
              Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength),
            ),
          ).toBe(true);
        });
      }
    });
  }

  it('refuses a channel the CAMs do not have', () => {
    expect(() => selectCamChannels(rawCams(testRandom(3), 2, null), [2])).toThrow('CAM channel 2 of 2');
  });
});

describe('camPostprocess pseudo label from the present channels only', () => {
  const letterbox: InputGeometry = { height: 448, width: 448, contentHeight: 336, contentWidth: 448, cropTop: 0, cropLeft: 0 };
  /** The label as it was computed before: every channel taken to the image size, absent ones masked in the argmax. */
  const fromAllChannels = (t: CamPostprocessTask): Uint8Array => {
    const working = fuseAtWorkingSize(t.perScale, t.workingSize);
    const full = workingCamAtImageSize(working, t.workingSize, t.geometry, t.height, t.width);
    return t.band === null
      ? camToPseudoLabel(full.cam, working.channels, t.height, t.width, {
          present: t.present,
          threshold: t.threshold,
          classIds: t.classIds,
        })
      : camToPseudoLabelThreeBand(full.cam, working.channels, t.height, t.width, {
          present: t.present,
          background: t.threshold,
          high: t.band.high,
          low: t.band.low,
          classIds: t.classIds,
          ignoreIndex: t.band.ignoreIndex,
        });
  };

  for (const geometry of [null, letterbox]) {
    for (const band of [null, { high: 0.7, low: 0.25, ignoreIndex: 255 }]) {
      it(`labels every pixel as the whole CAM does (${geometry === null ? 'plain resize' : 'letterbox'}, ${band === null ? 'two' : 'three'} bands)`, () => {
        const random = testRandom(geometry === null ? 11 : 12);
        const raw = rawCams(random, 20, null);
        for (const on of [[], [6], [0, 14], [2, 3, 19], Array.from({ length: 20 }, (_, c) => c)]) {
          const task: CamPostprocessTask = {
            perScale: raw.perScale,
            workingSize: [448, 448],
            geometry,
            height: 375,
            width: 500,
            present: Array.from({ length: 20 }, (_, c) => on.includes(c)),
            classIds: Array.from({ length: 20 }, (_, c) => c + 1),
            threshold: 0.45,
            band,
            display: { height: 112, width: 112 },
          };
          const got = camPostprocess(task).labelMap;
          const expected = fromAllChannels(task);
          expect(Buffer.from(got).equals(Buffer.from(expected)), `present ${on.join(',')}`).toBe(true);
          // Every present class labels some pixel, so the comparison says something.
          for (const c of on.slice(0, 3)) expect(got.includes(c + 1), `class ${c + 1}`).toBe(true);
        }
      });
    }
  }
});
