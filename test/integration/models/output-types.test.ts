// float16 and float64 model outputs: converted to float32 values (as numpy's .astype(np.float32)),
// never their bytes read as float32. Each model is compared with a twin that does the same cast
// inside the graph and returns float32: the stored label maps must be equal pixel for pixel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder, type TensorRef } from '../../../tools/onnx';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';
import { paintLabelMap } from '../../../src/main/engine/masks/labelMap';
import {
  ONNX_DOUBLE,
  ONNX_FLOAT16,
  allowFloat16And64Outputs,
  floatElemType,
  linearLogits,
  writeManifest,
  writeNoiseImages,
} from './linearModels';

const ONNX_FLOAT = 1;
const IMAGES = [
  { name: 'a', width: 45, height: 61 },
  { name: 'b', width: 50, height: 77 },
  { name: 'c', width: 33, height: 29 },
];

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let modelsDir: string;
let datasetId: number;

beforeAll(async () => {
  allowFloat16And64Outputs();
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  modelsDir = join(t.dir, 'models');
  mkdirSync(modelsDir);
  const images = join(t.dir, 'images');
  mkdirSync(images);
  await writeNoiseImages(images, IMAGES);
  const imp = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: images, name: 'noise' }));
  datasetId = Number(imp.result?.['datasetId']);
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

/**
 * Linear logits at half resolution (so the bilinear upsampling interpolates between converted
 * values), then `tail` (the casts under test), declared as `type`.
 */
function writeModel(name: string, type: 'float32' | 'float16' | 'float64', tail: (g: GraphBuilder, y: TensorRef) => TensorRef): string {
  const g = new GraphBuilder(name);
  const x = g.input('image', 'float32', [1, 3, 'H', 'W']);
  const pooled = g.op('AveragePool', [linearLogits(g, x, 4)], { kernel_shape: [2, 2], strides: [2, 2] });
  g.output(tail(g, pooled), 'logits', floatElemType(type), [1, 4, 'h', 'w']);
  writeFileSync(join(modelsDir, `${name}.onnx`), g.toModel());
  return writeManifest(modelsDir, name, `${name}.onnx`);
}

/**
 * float32 -> double times `factor` (a float32 too): the double product is exact, and for most
 * values it has more bits than a float32 holds, so reading it as float32 means rounding.
 */
function timesInDouble(g: GraphBuilder, y: TensorRef, factor: number): TensorRef {
  const toDouble = (v: TensorRef): TensorRef => g.op('Cast', [v], { to: ONNX_DOUBLE });
  return g.op('Mul', [toDouble(y), toDouble(g.constFloat(factor))]);
}

/** Runs a model file on the noise images; the stored label maps by image name (null when the run failed: its error). */
async function labelMaps(manifestPath: string): Promise<{ maps: Map<string, Uint8Array>; error: string | null }> {
  const m = await env.client.call('models.add', { manifestPath });
  const done = await finishJob(env.client, () => env.client.call('runs.start', { modelId: m.id, datasetId, device: 'cpu' }));
  const maps = new Map<string, Uint8Array>();
  if (done.error !== null) return { maps, error: done.error.message };
  const runId = Number(done.result?.['runId']);
  const { repos } = engineInternals(env.engine);
  const page = await env.client.call('images.page', { datasetId, offset: 0, limit: 100 });
  for (const image of page.items) {
    const sampleId = repos.images.semanticSampleId(image.id) as number;
    maps.set(image.fileName, paintLabelMap(repos.predictions.forSample(runId, sampleId), image.height, image.width));
  }
  return { maps, error: null };
}

function expectSameLabelMaps(got: Map<string, Uint8Array>, expected: Map<string, Uint8Array>): void {
  expect([...got.keys()].sort()).toEqual(IMAGES.map((i) => `${i.name}.png`));
  for (const [file, want] of expected) {
    const map = got.get(file) as Uint8Array;
    // More than one class in every image: an all-background map could not pass by accident.
    expect(new Set(want).size, file).toBeGreaterThan(1);
    expect(Buffer.from(map).equals(Buffer.from(want)), `${file}: label map differs from the float32 twin's`).toBe(true);
  }
}

describe('float16 and float64 outputs', () => {
  it('a float16 output gives the label map of its float32 twin (half -> float32 is exact)', async () => {
    const half = (g: GraphBuilder, y: TensorRef): TensorRef => g.op('Cast', [y], { to: ONNX_FLOAT16 });
    const twin = await labelMaps(writeModel('half-twin', 'float32', (g, y) => g.op('Cast', [half(g, y)], { to: ONNX_FLOAT })));
    const f16 = await labelMaps(writeModel('half', 'float16', half));
    expect(twin.error).toBeNull();
    expect(f16.error).toBeNull();
    expectSameLabelMaps(f16.maps, twin.maps);
  });

  it('a float64 output gives the label map of its twin that rounds to float32 in the graph', async () => {
    const twin = await labelMaps(
      writeModel('double-twin', 'float32', (g, y) => g.op('Cast', [timesInDouble(g, y, 1 / 3)], { to: ONNX_FLOAT })),
    );
    const f64 = await labelMaps(writeModel('double', 'float64', (g, y) => timesInDouble(g, y, 1 / 3)));
    expect(twin.error).toBeNull();
    expect(f64.error).toBeNull();
    expectSameLabelMaps(f64.maps, twin.maps);
  });

  it('a float64 value beyond the float32 range fails the run naming the model, image, output and value', async () => {
    const { error } = await labelMaps(
      writeModel('double-huge', 'float64', (g, y) =>
        g.op('Mul', [timesInDouble(g, y, 1e30), g.op('Cast', [g.constFloat(1e30)], { to: ONNX_DOUBLE })]),
      ),
    );
    expect(error).toMatch(
      /^inference failed: model "double-huge" on [abc]\.png: output "logits" is float64 and holds -?\d[\d.]*e\+\d+ at index \d+, beyond the float32 range \(±3\.4028e\+38\)$/,
    );
  });
});
