/** Token analysis: pure functions over flat, row-major Float32Array tensors (docs/design.md §4.4-§4.6). */
export { bilinearResize, bilinearResizeAbove, bilinearResizeArgmax, bilinearTaps, planeResizer, type AxisTaps } from './interpolate';
export { fuseCamScales, normalizeCamPerClass, scaledInputSize, TOCO_CAM_SCALES, type CamAtScale } from './cam';
export {
  camToPseudoLabel,
  camToPseudoLabelThreeBand,
  presentClassesFromLogits,
  TOCO_THREE_BAND,
  type PseudoLabelOptions,
  type ThreeBandOptions,
} from '../../../shared/pure/pseudoLabel';
export { queryPatchSimilarity, type PatchSimilarityMode } from '../../../shared/pure/patchSimilarity';
export { clsAttentionMap, tokenImportance } from './attention';
export { hiPruneSets, roundHalfEven, type HiPruneOptions, type HiPruneSets } from './hiPrune';
export { weightedPageRank, type PageRankOptions } from './pageRank';
export { segSimilarity } from './segToken';
export {
  centreCropPadding,
  fullResolutionMap,
  fullResolutionSampler,
  minMaxNormalize,
  READ_CROP_UNDO,
  type CropUndoOptions,
  type FullResolutionSampler,
  type ImageSize,
} from './fullResolution';
export { READ_13B_SASP, READ_7B_SASP, similarityToPoints, type SasPOptions, type SasPPoint } from './sasp';
export { samResizedSize, toSamFrame, type SamFramePrecision } from './samFrame';
