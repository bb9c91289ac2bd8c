// Shared by the model-checking tests: noise images (every pixel differs, so label maps have many
// class boundaries) and a linear per-pixel classifier built with the repo's ONNX writer.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { DataType, type ElemType } from '../../../tools/onnx/onnx-proto';
import type { GraphBuilder, TensorRef } from '../../../tools/onnx';

/** ONNX TensorProto.DataType for the two float types tools/onnx does not name (onnx.proto: FLOAT16 = 10, DOUBLE = 11). */
export const ONNX_FLOAT16 = 10;
export const ONNX_DOUBLE = 11;

/**
 * tools/onnx names only the element types its toys use. These tests declare float16/float64 graph
 * outputs, so the writer's type table gets those two entries (same numbers as onnx.proto).
 */
export function allowFloat16And64Outputs(): void {
  Object.assign(DataType as Record<string, number>, { float16: ONNX_FLOAT16, float64: ONNX_DOUBLE });
}

/** A graph output's declared float type, float16/float64 included once allowFloat16And64Outputs() has run. */
export function floatElemType(type: 'float32' | 'float16' | 'float64'): ElemType {
  return type as ElemType;
}

/** Deterministic noise RGB images, as PNG files named `<name>.png`. */
export async function writeNoiseImages(dir: string, sizes: ReadonlyArray<{ name: string; width: number; height: number }>): Promise<void> {
  let state = 12345;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state >> 23;
  };
  for (const s of sizes) {
    const rgb = Uint8Array.from({ length: s.width * s.height * 3 }, next);
    await sharp(Buffer.from(rgb), { raw: { width: s.width, height: s.height, channels: 3 } })
      .png()
      .toFile(join(dir, `${s.name}.png`));
  }
}

/** Per-pixel logits of `classes` classes from RGB: a 1x1 convolution with fixed, distinct weights. */
export function linearLogits(g: GraphBuilder, x: TensorRef, classes: number): TensorRef {
  const w = Float32Array.from({ length: classes * 3 }, (_, i) => Math.sin(1.7 * i + 0.3));
  const b = Float32Array.from({ length: classes }, (_, i) => 0.05 * Math.cos(i));
  return g.op('Conv', [x, g.initializer('w', w, [classes, 3, 1, 1]), g.initializer('b', b, [classes])], { kernel_shape: [1, 1] });
}

export const CLASS_NAMES = ['background', 'one', 'two', 'three'];

/** A semantic-seg manifest for `file` beside it, each image at its own size, 0-1 inputs. */
export function writeManifest(dir: string, name: string, file: string, extra: Record<string, unknown> = {}): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      name,
      kind: 'semantic-seg',
      files: { model: file },
      input: { tensor: 'image', policy: 'fixed', size: 64, range: [0, 1], mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.3] },
      outputs: { logits: 'logits' },
      classes: { names: CLASS_NAMES, background: 0 },
      ...extra,
    }),
  );
  return path;
}
