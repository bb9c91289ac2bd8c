export { IGNORE_INDEX, accumulateConfusion, countsFromConfusion, perClassCounts, type ClassCounts } from './confusion';
export { semanticScores, semanticScoresFromConfusion, type SemanticScores } from './semantic';
export {
  PRECISION_THRESHOLDS,
  pairIou,
  referringPair,
  referringScores,
  type IntersectionUnion,
  type PrecisionThreshold,
  type ReferringScores,
} from './referring';
export { camThresholdSweep, createCamSweep, defaultCamThresholds, pseudoLabelFromCam, type CamItem, type CamSweepResult } from './camSweep';
export { DEFAULT_BOOTSTRAP_SAMPLES, pairedBootstrap, pairedDifferences, type BootstrapInterval, type PairedDifferences } from './bootstrap';
export { scoresOfSum, semanticDifferenceStatistic } from './datasetStatistic';
export { mulberry32 } from './prng';
export { METRIC_DEFINITIONS, type MetricDefinition, type MetricDefinitionName } from './definitions';
export { ensureFresh, evaluateRunJob, planEvaluation, type EvaluationSummary } from './evaluateRun';
export { datasetSubsets, freshRun, perImageScores, runScores, type FreshRun } from './scores';
export { compareRuns, type CompareOptions } from './compare';
export { correctionScores } from './corrections';
export { definitionsFor } from './aggregate';
