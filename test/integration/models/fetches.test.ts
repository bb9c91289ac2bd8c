// Runs fetch only the outputs an adapter reads: ISNet computes 13 outputs (~119 MB per 1024² image)
// of which a probability-map run uses one. Here a model with a used and an unused output.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../tools/onnx';
import { LoadedModel } from '../../../src/main/engine/models/runtime';
import { openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;

beforeAll(() => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

describe('output fetches', () => {
  it('asks onnxruntime only for the outputs the manifest maps', async () => {
    const g = new GraphBuilder('two-outputs');
    const x = g.input('image', 'float32', [1, 3, 'H', 'W']);
    const first = g.op('Slice', [x, g.constInt64([0]), g.constInt64([1]), g.constInt64([1])]);
    g.output(g.op('Sigmoid', [first]), 'mask', 'float32', [1, 1, 'H', 'W']);
    // A side output the adapter never reads (ISNet's deep-supervision maps).
    g.output(g.op('Concat', [x, x, x, x], { axis: 1 }), 'side', 'float32', [1, 12, 'H', 'W']);
    writeFileSync(join(t.dir, 'two.onnx'), g.toModel());
    writeFileSync(
      join(t.dir, 'two.json'),
      JSON.stringify({
        name: 'two-outputs',
        kind: 'probability-map',
        files: { model: 'two.onnx' },
        input: { tensor: 'image', policy: 'fixed', size: 1, range: '0-1' },
        outputs: { probability: 'mask' },
      }),
    );
    const summary = await env.client.call('models.add', { manifestPath: join(t.dir, 'two.json') });
    expect(summary.outputs.map((o) => o.name).sort()).toEqual(['mask', 'side']);
    const model = new LoadedModel(engineInternals(env.engine), summary, ['cpu']);
    const out = await model.run({ image: { type: 'float32', dims: [1, 3, 8, 8], data: new Float32Array(3 * 64).buffer } });
    expect(Object.keys(out)).toEqual(['mask']);
    expect(new Float32Array(out['mask']!.data)).toEqual(new Float32Array(64).fill(0.5));
  });
});
