/**
 * The pseudo-label ignore band of a CAM run, from its provenance. Plain code without zod: the read
 * worker (metrics/predictionIgnore.ts) loads it, and workers load without zod (tools/build.mjs).
 */

/** The label value of "no label here" in a pseudo label with an ignore band (ToCo's `ignore_mid`). */
export const PSEUDO_LABEL_IGNORE = 255;

/**
 * What the `pseudoLabel` rule of a CAM run with `three_band` records (models/adapters/cam.ts
 * camPseudoLabelRule): pixels whose CAM lies between `low` and `high` get `ignoreIndex` (255).
 */
export interface PseudoLabelIgnoreBand {
  ignoreIndex: typeof PSEUDO_LABEL_IGNORE;
  low: number | null;
  high: number | null;
}

/** What the rule reads of a run (a RunSummary, or a report's run). */
export interface RunProvenance {
  source: string;
  provenance: Record<string, unknown>;
}

const numberOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The ignore band of a model run whose predicted 255 means "no label here" (a `cam` run with
 * `three_band`): those pixels are left out of its scores (metrics/predictionIgnore.ts), so its mIoU
 * counts fewer pixels than the CAM threshold sweep, which labels every pixel. Null for any other run
 * (an imported run's 255 stays an error, never a band).
 */
export function pseudoLabelIgnoreBand(run: RunProvenance): PseudoLabelIgnoreBand | null {
  if (run.source !== 'model') return null;
  const rule = run.provenance['pseudoLabel'];
  if (typeof rule !== 'object' || rule === null) return null;
  const r = rule as Record<string, unknown>;
  if (r['ignoreIndex'] !== PSEUDO_LABEL_IGNORE) return null;
  return { ignoreIndex: PSEUDO_LABEL_IGNORE, low: numberOrNull(r['low']), high: numberOrNull(r['high']) };
}

/**
 * One line said next to such a run's scores (Benchmarks, the HTML report): what is left out and why
 * the threshold sweep differs. Null when the run has no ignore band.
 */
export function ignoreBandNote(run: RunProvenance): string | null {
  const band = pseudoLabelIgnoreBand(run);
  if (band === null) return null;
  const range = band.low !== null && band.high !== null ? `CAM between ${band.low} and ${band.high}, ` : '';
  return `Scored without its ignore band: pseudo-label pixels in it (${range}value ${PSEUDO_LABEL_IGNORE}) are left out, so these scores count fewer pixels than the CAM threshold sweep, which labels every pixel.`;
}
