import type { RunSummary } from '../../../shared/domain';
import { pseudoLabelIgnoreBand } from '../../../shared/pure/ignoreBand';
import { IGNORE_INDEX } from './confusion';

/**
 * Whether a run's predicted 255 means "no label here" rather than a class: only a model run whose
 * provenance says its prediction has an ignore band (a `cam` run with `three_band`, ToCo's
 * `ignore_mid`: `pseudoLabel.ignoreIndex` 255). Such pixels are left out of the counts, as ToCo's
 * `utils/evaluate.py pseudo_scores` scores pseudo labels (`lt[lp == 255] = 255; lp[lp == 255] = 0`).
 * Any other run's 255 stays an error (docs/design.md §5.1): a 0/255 PNG imported as class indices.
 */
export function ignoresPredicted255(run: Pick<RunSummary, 'source' | 'provenance'>): boolean {
  // The same rule Benchmarks and the report read to say so (shared/pure/ignoreBand.ts).
  return pseudoLabelIgnoreBand(run)?.ignoreIndex === IGNORE_INDEX;
}
