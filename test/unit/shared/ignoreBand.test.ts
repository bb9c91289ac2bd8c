import { describe, expect, it } from 'vitest';
import { ignoreBandNote, pseudoLabelIgnoreBand } from '../../../src/shared/pure/ignoreBand';
import { ignoresPredicted255 } from '../../../src/main/engine/metrics/predictionIgnore';

// What models/adapters/cam.ts camPseudoLabelRule records for a cam manifest with and without three_band.
const THREE_BAND = { rule: 'toco-cam_to_label-ignore_mid', bgThreshold: 0.5, high: 0.7, low: 0.25, ignoreIndex: 255 };
const PLAIN = { rule: 'toco-cam_to_label', bgThreshold: 0.5 };

describe("a run's pseudo-label ignore band", () => {
  it('is read from a model run with three_band only, the rule the scores use', () => {
    const runs = [
      { source: 'model', provenance: { pseudoLabel: THREE_BAND } },
      { source: 'model', provenance: { pseudoLabel: PLAIN } },
      { source: 'model', provenance: {} },
      { source: 'model', provenance: { pseudoLabel: { ...THREE_BAND, ignoreIndex: 0 } } },
      // An imported run's 255 stays an error (docs/design.md §5.1), whatever its provenance says.
      { source: 'import', provenance: { pseudoLabel: THREE_BAND } },
    ] as const;
    expect(runs.map((r) => pseudoLabelIgnoreBand(r) !== null)).toEqual([true, false, false, false, false]);
    expect(runs.map((r) => ignoresPredicted255(r))).toEqual([true, false, false, false, false]);
    expect(pseudoLabelIgnoreBand(runs[0])).toEqual({ ignoreIndex: 255, low: 0.25, high: 0.7 });
  });

  it('is said in one line, with the band when it is known', () => {
    expect(ignoreBandNote({ source: 'model', provenance: { pseudoLabel: THREE_BAND } })).toBe(
      'Scored without its ignore band: pseudo-label pixels in it (CAM between 0.25 and 0.7, value 255) are left out, so these scores count fewer pixels than the CAM threshold sweep, which labels every pixel.',
    );
    expect(ignoreBandNote({ source: 'model', provenance: { pseudoLabel: { ignoreIndex: 255 } } })).toBe(
      'Scored without its ignore band: pseudo-label pixels in it (value 255) are left out, so these scores count fewer pixels than the CAM threshold sweep, which labels every pixel.',
    );
    expect(ignoreBandNote({ source: 'model', provenance: { pseudoLabel: PLAIN } })).toBeNull();
  });
});
