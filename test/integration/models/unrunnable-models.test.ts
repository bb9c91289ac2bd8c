// Models that can never run are refused at `models add` with one line naming the file and field;
// what only shows at run time (a dynamic channel count, an onnxruntime error, a batch that does not
// follow the input) fails the run with a line naming the model and the image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder, type TensorRef } from '../../../tools/onnx';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { engineInternals } from '../../../src/main/engine/internals';
import { linearLogits, writeManifest, writeNoiseImages } from './linearModels';

let t: ReturnType<typeof tempDir>;
let env: ReturnType<typeof openTestEngine>;
let modelsDir: string;
let datasetId: number;

beforeAll(async () => {
  t = tempDir();
  env = openTestEngine(join(t.dir, 'ws'));
  modelsDir = join(t.dir, 'models');
  mkdirSync(modelsDir);
  const images = join(t.dir, 'images');
  mkdirSync(images);
  await writeNoiseImages(images, [
    { name: 'a', width: 40, height: 30 },
    { name: 'b', width: 36, height: 44 },
    { name: 'c', width: 24, height: 20 },
  ]);
  const imp = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: images, name: 'noise' }));
  datasetId = Number(imp.result?.['datasetId']);
});
afterAll(async () => {
  await env.engine.close();
  t.cleanup();
});

function modelCount(): number {
  return (engineInternals(env.engine).db.prepare('SELECT COUNT(*) AS n FROM models').get() as { n: number }).n;
}

/** A one-graph model file: image input of `inputType`/`inputDims`, `body` from it to the declared `logits` output. */
function writeModel(
  name: string,
  body: (g: GraphBuilder, x: TensorRef) => TensorRef,
  logits: { type?: 'float32' | 'int64'; dims: Array<number | string> },
  input: { type?: 'float32' | 'uint8'; dims?: Array<number | string> } = {},
): string {
  const g = new GraphBuilder(name);
  const x = g.input('image', input.type ?? 'float32', input.dims ?? [1, 3, 'H', 'W']);
  g.output(body(g, x), 'logits', logits.type ?? 'float32', logits.dims);
  writeFileSync(join(modelsDir, `${name}.onnx`), g.toModel());
  return `${name}.onnx`;
}

/** [N,C,h,w] from a [N,C,H,W] map through a Reshape to a shape computed from the input: shape inference loses C. */
function hideChannels(g: GraphBuilder, map: TensorRef, x: TensorRef): TensorRef {
  const shape = g.op('Shape', [x]);
  const batch = g.op('Slice', [shape, g.constInt64([0]), g.constInt64([1])]);
  const size = g.op('Slice', [shape, g.constInt64([2]), g.constInt64([4])]);
  return g.op('Reshape', [map, g.op('Concat', [batch, g.constInt64([-1]), size], { axis: 0 })]);
}

/** A probability-map manifest for `file` beside it: images resized to `size`, output role probability = "p". */
function probabilityManifest(name: string, file: string, size: number | [number, number] = 32): string {
  return writeManifest(modelsDir, name, file, {
    kind: 'probability-map',
    input: { tensor: 'image', policy: 'resize', size, range: [0, 1] },
    outputs: { probability: 'p' },
    classes: undefined,
  });
}

async function addError(manifestPath: string): Promise<string> {
  const before = modelCount();
  const err = await env.client.call('models.add', { manifestPath }).catch((e: unknown) => e);
  expect(err, 'models add should have refused it').toBeInstanceOf(Error);
  expect(modelCount()).toBe(before);
  return (err as Error).message;
}

async function runError(manifestPath: string): Promise<string> {
  const m = await env.client.call('models.add', { manifestPath });
  const done = await finishJob(env.client, () => env.client.call('runs.start', { modelId: m.id, datasetId, device: 'cpu' }));
  expect(done.status).toBe('failed');
  return done.error?.message ?? '';
}

describe('models add refuses a model that can never run', () => {
  it('a channels-last [1,H,W,3] image input', async () => {
    const file = writeModel(
      'nhwc',
      (g, x) => g.op('Transpose', [x], { perm: [0, 3, 1, 2] }),
      { dims: [1, 3, 'H', 'W'] },
      { dims: [1, 'H', 'W', 3] },
    );
    const message = await addError(writeManifest(modelsDir, 'nhwc', file, { classes: undefined }));
    expect(message).toMatch(
      /nhwc\.json \(checked against .*nhwc\.onnx\): input\.tensor: "image" has shape \[1,H,W,3\], channels last; Tessera feeds \[N,3,H,W\] \(channels first\)/,
    );
  });

  it('a uint8 image input (Tessera feeds float32)', async () => {
    const file = writeModel(
      'u8',
      (g, x) => linearLogits(g, g.op('Cast', [x], { to: 1 }), 4),
      { dims: [1, 4, 'H', 'W'] },
      { type: 'uint8' },
    );
    expect(await addError(writeManifest(modelsDir, 'u8', file))).toMatch(
      /u8\.json \(checked against .*u8\.onnx\): input\.tensor: "image" is uint8, but Tessera feeds it float32 \(the normalized pixels\)$/,
    );
  });

  it('int64 logits', async () => {
    const file = writeModel('i64', (g, x) => g.op('Cast', [linearLogits(g, x, 4)], { to: 7 }), { type: 'int64', dims: [1, 4, 'H', 'W'] });
    expect(await addError(writeManifest(modelsDir, 'i64', file))).toMatch(
      /i64\.json \(checked against .*i64\.onnx\): outputs\.logits: "logits" is int64, expected a float type \(float32, float16, float64\)$/,
    );
  });

  it('logits with a zero-size dimension', async () => {
    const empty = (g: GraphBuilder, x: TensorRef): TensorRef => g.op('Slice', [x, g.constInt64([0]), g.constInt64([0]), g.constInt64([1])]);
    const file = writeModel('zero-dim', empty, { dims: [1, 0, 'h', 'w'] });
    expect(await addError(writeManifest(modelsDir, 'zero-dim', file, { classes: undefined }))).toMatch(
      /outputs\.logits: "logits" has shape \[1,0,h,w\]: a zero-size dimension, it holds no values$/,
    );
  });

  it('semantic-seg logits with more channels than a label map has classes (255: ids 0-254, 255 is ignore)', async () => {
    const file = writeModel('c256', (g, x) => linearLogits(g, x, 256), { dims: [1, 256, 'H', 'W'] });
    expect(await addError(writeManifest(modelsDir, 'c256', file, { classes: undefined }))).toMatch(
      /c256\.json \(checked against .*c256\.onnx\): outputs\.logits: "logits" has 256 channels, but a label map holds at most 255 classes \(ids 0-254; 255 is ignore\)$/,
    );
    // 255 channels fit.
    const fits = writeModel('c255', (g, x) => linearLogits(g, x, 255), { dims: [1, 255, 'H', 'W'] });
    await expect(
      env.client.call('models.add', { manifestPath: writeManifest(modelsDir, 'c255', fits, { classes: undefined }) }),
    ).resolves.toMatchObject({
      name: 'c255',
    });
  });

  it('an empty .onnx file and a folder named like one', async () => {
    writeFileSync(join(modelsDir, 'empty.onnx'), '');
    expect(await addError(writeManifest(modelsDir, 'empty', 'empty.onnx'))).toMatch(
      /empty\.onnx: empty file \(0 bytes\), not an ONNX model$/,
    );
    mkdirSync(join(modelsDir, 'folder.onnx'));
    expect(await addError(writeManifest(modelsDir, 'folder', 'folder.onnx'))).toMatch(
      /folder\.json: files\.model = .*folder\.onnx is a folder, not a model file$/,
    );
  });
});

describe('models add refuses an input it can never feed, in one line naming the input, its shape and what to change', () => {
  it('a static batch of 2', async () => {
    const file = writeModel('batch2', (g, x) => linearLogits(g, x, 4), { dims: [2, 4, 'H', 'W'] }, { dims: [2, 3, 'H', 'W'] });
    expect(await addError(writeManifest(modelsDir, 'batch2', file))).toMatch(
      /batch2\.json \(checked against .*batch2\.onnx\): input\.tensor: "image" has shape \[2,3,H,W\]: a static batch of 2, but Tessera feeds one image at a time \(batch 1\): export the model with batch 1 or a dynamic batch axis$/,
    );
  });

  it('a second input the kind does not feed', async () => {
    const g = new GraphBuilder('two-inputs');
    const x = g.input('image', 'float32', [1, 3, 'H', 'W']);
    const gain = g.input('gain', 'float32', [1]);
    g.output(g.op('Mul', [linearLogits(g, x, 4), gain]), 'logits', 'float32', [1, 4, 'H', 'W']);
    writeFileSync(join(modelsDir, 'two-inputs.onnx'), g.toModel());
    expect(await addError(writeManifest(modelsDir, 'two-inputs', 'two-inputs.onnx'))).toMatch(
      /two-inputs\.json \(checked against .*two-inputs\.onnx\): kind: the model has an input "gain" \[1\] that a semantic-seg model is not fed \(Tessera feeds only "image"\)/,
    );
  });

  it('a height fixed alone (a text recognizer [N,3,48,W]) that the size policy does not give', async () => {
    const file = writeModel('rec48', (g, x) => linearLogits(g, x, 4), { dims: ['N', 4, 48, 'W'] }, { dims: ['N', 3, 48, 'W'] });
    const resize = writeManifest(modelsDir, 'rec48', file, { input: { tensor: 'image', policy: 'resize', size: [32, 64], range: [0, 1] } });
    expect(await addError(resize)).toMatch(
      /rec48\.json \(checked against .*rec48\.onnx\): input\.size: "image" has shape \[N,3,48,W\]: its height is fixed at 48 but the manifest resizes to 32x64: set input\.size to \[48, 64\]$/,
    );
    expect(await addError(writeManifest(modelsDir, 'rec48', file))).toMatch(
      /input\.policy: "image" has shape \[N,3,48,W\]: its height is fixed at 48, but policy fixed gives every image its own size/,
    );
  });

  it('a channels-last RGBA input (M-LSD [1,32,32,4]) is one line, with no channel or size line from the wrong axes', async () => {
    const file = writeModel(
      'rgba-nhwc',
      (g, x) =>
        linearLogits(
          g,
          g.op('Slice', [g.op('Transpose', [x], { perm: [0, 3, 1, 2] }), g.constInt64([0]), g.constInt64([3]), g.constInt64([1])]),
          4,
        ),
      { dims: [1, 4, 32, 32] },
      { dims: [1, 32, 32, 4] },
    );
    const message = await addError(
      writeManifest(modelsDir, 'rgba-nhwc', file, { input: { tensor: 'image', policy: 'resize', size: 32, range: [0, 1] } }),
    );
    expect(message).toMatch(
      /rgba-nhwc\.onnx\): input\.tensor: "image" has shape \[1,32,32,4\], channels last with 4 channels; Tessera feeds \[N,3,H,W\] \(channels first, 3 channels\): export the model with an NCHW, 3-channel input$/,
    );
  });

  it('a channels-last probability output [N,H,W,1]', async () => {
    const g = new GraphBuilder('p-nhwc');
    const x = g.input('image', 'float32', ['N', 3, 'H', 'W']);
    g.output(g.op('Transpose', [g.op('Sigmoid', [linearLogits(g, x, 1)])], { perm: [0, 2, 3, 1] }), 'p', 'float32', ['N', 'H', 'W', 1]);
    writeFileSync(join(modelsDir, 'p-nhwc.onnx'), g.toModel());
    expect(await addError(probabilityManifest('p-nhwc', 'p-nhwc.onnx'))).toMatch(
      /p-nhwc\.onnx\): outputs\.probability: "p" has shape \[N,H,W,1\], channels last; a probability-map output is \[N,1,h,w\] \(channels first\): export the model with an NCHW output$/,
    );
  });
});

describe('failures seen only at run time name the model and the image', () => {
  it('a probability map with 2 channels on an axis dynamic at add (paddle2onnx) fails each image naming the output, its shape and the kind', async () => {
    const g = new GraphBuilder('prob2');
    const x = g.input('image', 'float32', ['N', 3, 'H', 'W']);
    g.output(g.op('Sigmoid', [hideChannels(g, linearLogits(g, x, 2), x)]), 'p', 'float32', ['N', 'C', 'H', 'W']);
    writeFileSync(join(modelsDir, 'prob2.onnx'), g.toModel());
    expect(await runError(probabilityManifest('prob2', 'prob2.onnx'))).toMatch(
      /^prob2: the first 3 images all failed: [abc]\.png: output p has 2 channels \(shape \[1,2,32,32\]\) but a probability-map model reads 1 channel \(one foreground map, \[1,1,h,w\]\); 2 class maps are a semantic-seg model \(kind: semantic-seg with 2 classes\.names\)$/,
    );
  });

  it('a channels-last probability map whose shape shows only at run time', async () => {
    const g = new GraphBuilder('p-nhwc-dyn');
    const x = g.input('image', 'float32', ['N', 3, 'H', 'W']);
    const map = hideChannels(g, g.op('Sigmoid', [linearLogits(g, x, 1)]), x);
    g.output(g.op('Transpose', [map], { perm: [0, 2, 3, 1] }), 'p', 'float32', ['N', 'a', 'b', 'c']);
    writeFileSync(join(modelsDir, 'p-nhwc-dyn.onnx'), g.toModel());
    expect(await runError(probabilityManifest('p-nhwc-dyn', 'p-nhwc-dyn.onnx', [24, 40]))).toMatch(
      /^p-nhwc-dyn: the first 3 images all failed: [abc]\.png: output p has 24 channels \(shape \[1,24,40,1\]\) but a probability-map model reads 1 channel \(one foreground map, \[1,1,h,w\]\); \[N,H,W,1\] is channels last: export the model with an NCHW output$/,
    );
  });

  it('an onnxruntime shape error on every image says what was fed and where to look', async () => {
    // Stride 2 twice, floor and ceil: an odd side gives 14 and 15, which Add cannot broadcast (PP-OCR on a size not a multiple of 32).
    const g = new GraphBuilder('stride2');
    const x = g.input('image', 'float32', ['N', 3, 'H', 'W']);
    const floor = g.op('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
    const ceil = g.op('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 });
    g.output(g.op('Sigmoid', [linearLogits(g, g.op('Add', [floor, ceil]), 1)]), 'p', 'float32', ['N', 1, 'h', 'w']);
    writeFileSync(join(modelsDir, 'stride2.onnx'), g.toModel());
    expect(await runError(probabilityManifest('stride2', 'stride2.onnx', [29, 30]))).toMatch(
      /^inference failed: model "stride2" on [abc]\.png: .*broadcast.* \(fed image \[1,3,29,30\]\); check the manifest \(input\.policy, input\.size\) against the model$/,
    );
  });

  it('a dynamic channel axis with 257 channels fails every image instead of wrapping channel 256 to background', async () => {
    // Channel 256 wins everywhere: stored in a byte it would become 0 (background) and the run "complete".
    const body = (g: GraphBuilder, x: TensorRef): TensorRef => {
      const bias = new Float32Array(257);
      bias[256] = 10;
      const logits = g.op('Conv', [x, g.initializer('w', new Float32Array(257 * 3), [257, 3, 1, 1]), g.initializer('b', bias, [257])], {
        kernel_shape: [1, 1],
      });
      // A Reshape to a shape computed from the input hides the channel count from shape inference.
      const shape = g.op('Shape', [x]);
      const batch = g.op('Slice', [shape, g.constInt64([0]), g.constInt64([1])]);
      const size = g.op('Slice', [shape, g.constInt64([2]), g.constInt64([4])]);
      return g.op('Reshape', [logits, g.op('Concat', [batch, g.constInt64([-1]), size], { axis: 0 })]);
    };
    const file = writeModel('c257-dynamic', body, { dims: [1, 'C', 'H', 'W'] });
    expect(await runError(writeManifest(modelsDir, 'c257-dynamic', file, { classes: undefined }))).toMatch(
      /^c257-dynamic: the first 3 images all failed: [abc]\.png: model output logits has 257 channels, but a label map holds at most 255 classes \(ids 0-254; 255 is ignore\)$/,
    );
  });

  it('an onnxruntime error says which model and image', async () => {
    // Accepted at add (dynamic H and W), but the graph only takes 16x16 images.
    const body = (g: GraphBuilder, x: TensorRef): TensorRef => g.op('Reshape', [linearLogits(g, x, 4), g.constInt64([1, 4, 16, 16])]);
    const file = writeModel('reshape16', body, { dims: [1, 4, 16, 16] });
    expect(await runError(writeManifest(modelsDir, 'reshape16', file))).toMatch(
      /^inference failed: model "reshape16" on [abc]\.png: .*Reshape/,
    );
  });

  it('a CAM model that returns batch 1 for the image and its flip', async () => {
    const g = new GraphBuilder('cam-batch1');
    const x = g.input('image', 'float32', ['N', 3, 'H', 'W']);
    const cam = g.op('AveragePool', [linearLogits(g, x, 2)], { kernel_shape: [4, 4], strides: [4, 4] });
    const first = g.op('Slice', [cam, g.constInt64([0]), g.constInt64([1]), g.constInt64([0])]);
    g.output(first, 'cam', 'float32', [1, 2, 'h', 'w']);
    writeFileSync(join(modelsDir, 'cam-batch1.onnx'), g.toModel());
    const manifest = writeManifest(modelsDir, 'cam-batch1', 'cam-batch1.onnx', {
      kind: 'cam',
      input: { tensor: 'image', policy: 'resize', size: 32, range: [0, 1] },
      outputs: { cam: 'cam' },
      classes: { names: ['background', 'one', 'two'], background: 0 },
      params: { scales: [1], flip: true },
    });
    expect(await runError(manifest)).toMatch(
      /^cam-batch1: the first 3 images all failed: [abc]\.png: model output cam has batch 1 for 2 inputs \(the image and its flip; shape \[1,2,8,8\]\): the output's batch axis must follow the input's$/,
    );
  });
});
