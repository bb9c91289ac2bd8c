export {
  countsToString,
  decodeMask,
  encodeMask,
  mergeRles,
  polygonsToRle,
  rleArea,
  rleBbox,
  rleFromUncompressed,
  rleIou,
  stringToCounts,
  type Rle,
} from './rle';
export { labelMapToRles, paintLabelMap, type ClassRle } from './labelMap';
export { readMaskPng, writeGreyPng, writePalettePng, type DecodedMask } from './png';
export { resizeNearest } from './resize';
export { rasterizeReasonSeg, REASONSEG_IGNORE, REASONSEG_TARGET, type LabelMeShape } from './reasonseg';
