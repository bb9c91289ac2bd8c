import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadManifest } from '../../../../src/main/engine/models/manifest';
import { modelProblems } from '../../../../src/main/engine/models/registry';
import { ModelManifest } from '../../../../src/shared/domain';
import { ApiError } from '../../../../src/shared/api/errors';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function write(manifest: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-manifest-'));
  made.push(dir);
  const path = join(dir, 'm.json');
  writeFileSync(path, JSON.stringify(manifest));
  return path;
}

async function problems(manifest: unknown): Promise<{ message: string; issues: Array<{ path: string; message: string }> }> {
  const err = await loadManifest(write(manifest)).catch((e: unknown) => e);
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return { message: err.message, issues: (err.details as { issues: Array<{ path: string; message: string }> }).issues };
}

const good = {
  name: 'det',
  kind: 'probability-map',
  files: { model: 'det.onnx' },
  input: { tensor: 'x', policy: 'keep-aspect', size: 960, multiple: 32 },
  outputs: { probability: 'p' },
  params: { threshold: 0.3 },
};

describe('manifest problems', () => {
  it('accepts a good manifest', async () => {
    const loaded = await loadManifest(write(good));
    expect(loaded.manifest.input).toMatchObject({ policy: 'keep-aspect', size: [960, 960], multiple: 32 });
  });

  it('reports every problem at once, one per line, each naming the field', async () => {
    const { message, issues } = await problems({
      ...good,
      input: { ...good.input, meen: [1, 2, 3] },
      outputs: { logitz: 'p' },
      params: { threshold: '0.5' },
    });
    expect(issues.map((i) => i.path).sort()).toEqual(['input', 'params.threshold']);
    expect(message.split('\n')[0]).toMatch(/m\.json: 2 problems$/);
    const second = await problems({ ...good, outputs: { logitz: 'p' }, params: { threshold: 30, output_type: 'sigmoid' } });
    expect(second.issues.map((i) => i.path).sort()).toEqual(['outputs', 'params.output_type', 'params.threshold']);
    expect(second.message.split('\n')).toHaveLength(4);
    expect(second.message).toMatch(/^.*m\.json: 3 problems$/m);
    expect(second.message).toMatch(/^ {2}outputs: a probability-map model needs the output role "probability" or "logits"/m);
  });

  it('refuses a string threshold, a threshold of 30 and bad SasP settings', async () => {
    for (const [params, path] of [
      [{ threshold: '0.5' }, 'params.threshold'],
      [{ threshold: 30 }, 'params.threshold'],
    ] as const) {
      const { issues } = await problems({ ...good, params });
      expect(issues.map((i) => i.path)).toEqual([path]);
    }
    const seg = await problems({
      name: 's',
      kind: 'seg-token',
      files: { model: 's.onnx' },
      input: { tensor: 'x', policy: 'resize', size: 336 },
      outputs: { image_hidden: 'a', seg_hidden: 'b' },
      params: { sasp: { maxPoints: -1, positiveTreshold: 0.8 } },
    });
    expect(seg.issues.map((i) => i.path).sort()).toEqual(['params.sasp', 'params.sasp.maxPoints']);
  });

  it('checks policy fields against the policy', async () => {
    const a = await problems({ ...good, input: { tensor: 'x', policy: 'resize', size: 448, multiple: 32 } });
    expect(a.issues).toEqual([{ path: 'input.multiple', message: expect.stringMatching(/only the keep-aspect policy/) }]);
    const b = await problems({ ...good, input: { tensor: 'x', policy: 'keep-aspect', size: [640, 480] } });
    expect(b.issues[0]?.path).toBe('input.size');
  });
});

describe('manifest problems across stages', () => {
  it('names the allowed keys of input and reports params problems with schema problems', async () => {
    const { message, issues } = await problems({ ...good, input: { ...good.input, meen: [1, 2, 3] }, params: { threshold: '0.3' } });
    expect(issues.map((i) => i.path).sort()).toEqual(['input', 'params.threshold']);
    expect(message).toMatch(/input: unknown key "meen" \(allowed: tensor, policy, size, mean, std, range, channel_order, multiple/);
  });

  it('asks a prompt-decoder for its embeddings', async () => {
    const { issues } = await problems({
      name: 'sam',
      kind: 'prompt-decoder',
      files: { model: 'd.onnx' },
      input: { tensor: 'image', policy: 'longest-side-pad', size: 1024 },
      outputs: { masks: 'masks' },
    });
    expect(issues.map((i) => i.path)).toEqual(['files.encoder']);
  });
});

describe('manifest against the model tensors', () => {
  const cam = (size: number, params: Record<string, unknown>) =>
    ModelManifest.parse({
      name: 'toco',
      kind: 'cam',
      files: { model: 'toco.onnx' },
      input: { tensor: 'image', policy: 'resize', size },
      outputs: { cam: 'cam' },
      params,
    });
  const inputs = (h: number | string, w: number | string) => [{ name: 'image', type: 'float32', shape: [1, 3, h, w] }];
  const outputs = [{ name: 'cam', type: 'float32', shape: [1, 20, 'h', 'w'] }];

  it('refuses multi-scale inference on a model with a static input size', () => {
    expect(modelProblems(cam(448, { scales: [1, 0.5, 1.5] }), inputs(448, 448), outputs).map((p) => p.path)).toEqual(['params.scales']);
    expect(modelProblems(cam(448, { scales: [1, 0.5, 1.5] }), inputs('H', 'W'), outputs)).toEqual([]);
    expect(modelProblems(cam(448, { scales: [1] }), inputs(448, 448), outputs)).toEqual([]);
    expect(modelProblems(cam(448, {}), inputs(224, 224), outputs).map((p) => p.path)).toEqual(['input.size']);
  });

  it('checks output ranks and a decoder that takes the <SEG> embedding', () => {
    expect(modelProblems(cam(448, {}), inputs('H', 'W'), [{ name: 'cam', type: 'float32', shape: [20, 28, 28] }])[0]?.message).toMatch(
      /rank 3 \[20,28,28\], a cam output has rank 4/,
    );
    const decoder = ModelManifest.parse({
      name: 'read-sam',
      kind: 'prompt-decoder',
      files: { model: 'd.onnx', encoder: 'e.onnx' },
      input: { tensor: 'image', policy: 'longest-side-pad', size: 1024 },
      outputs: { masks: 'masks' },
      params: { text_embeds: true },
    });
    const sam = ['image_embeddings', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input', 'orig_im_size'].map((name) => ({
      name,
      type: 'float32',
      shape: [],
    }));
    expect(modelProblems(decoder, sam, [{ name: 'masks', type: 'float32', shape: [1, 1, 'H', 'W'] }])).toEqual([
      // Not the image's input (input.tensor): one the kind feeds (READ's decoder takes the query's embedding).
      { path: 'kind', message: expect.stringMatching(/"text_embeds" is not an input of the model, and a prompt-decoder model is fed it/) },
    ]);
  });
});

describe('models add refuses inputs it can never feed and outputs it cannot read', () => {
  const manifest = (kind: string, input: Record<string, unknown>, outputs: Record<string, string>, params: Record<string, unknown> = {}) =>
    ModelManifest.parse({ name: 'm', kind, files: { model: 'm.onnx' }, input: { tensor: 'x', ...input }, outputs, params });
  const prob = (input: Record<string, unknown>) => manifest('probability-map', input, { probability: 'p' });
  const image = (shape: Array<number | string>) => ({ name: 'x', type: 'float32', shape });
  const out = (shape: Array<number | string>) => [{ name: 'p', type: 'float32', shape }];
  const pmap = out(['N', 1, 'H', 'W']);

  it('a height or width alone fixed, against what the policy feeds', () => {
    // PP-OCR's recognizer: [N,3,48,W].
    const rec = image(['N', 3, 48, 'W']);
    expect(modelProblems(prob({ policy: 'resize', size: [32, 320] }), [rec], pmap)).toEqual([
      {
        path: 'input.size',
        message: '"x" has shape [N,3,48,W]: its height is fixed at 48 but the manifest resizes to 32x320: set input.size to [48, 320]',
      },
    ]);
    expect(modelProblems(prob({ policy: 'resize', size: [48, 320] }), [rec], pmap)).toEqual([]);
    expect(modelProblems(prob({ policy: 'keep-aspect', size: 960, multiple: 32 }), [rec], pmap)).toEqual([
      {
        path: 'input.policy',
        message:
          '"x" has shape [N,3,48,W]: its height is fixed at 48, but policy keep-aspect gives every image its own size: use policy resize with size [48, <width>]',
      },
    ]);
    expect(modelProblems(prob({ policy: 'fixed', size: 1 }), [image([1, 3, 'H', 64])], pmap).map((p) => p.path)).toEqual(['input.policy']);
    expect(modelProblems(prob({ policy: 'longest-side-pad', size: 1024 }), [image([1, 3, 'H', 512])], pmap)).toEqual([
      {
        path: 'input.size',
        message: '"x" has shape [1,3,H,512]: its width is fixed at 512 but the manifest resizes to 1024x1024: set input.size to 512',
      },
    ]);
    // longest-side-pad feeds max(size) square, whatever the other side of size says.
    expect(modelProblems(prob({ policy: 'longest-side-pad', size: [1024, 768] }), [image([1, 3, 1024, 1024])], pmap)).toEqual([]);
    expect(modelProblems(prob({ policy: 'shortest-side-center-crop', size: 336 }), [image([1, 3, 224, 336])], pmap)).toEqual([
      {
        path: 'input.size',
        message:
          '"x" is fixed at 224x336 but the manifest resizes to 336x336: policy shortest-side-center-crop feeds a square: use policy resize with size [224, 336]',
      },
    ]);
  });

  it('a static batch other than 1', () => {
    expect(modelProblems(prob({ policy: 'keep-aspect', size: 960, multiple: 32 }), [image([2, 3, 'H', 'W'])], pmap)).toEqual([
      {
        path: 'input.tensor',
        message:
          '"x" has shape [2,3,H,W]: a static batch of 2, but Tessera feeds one image at a time (batch 1): export the model with batch 1 or a dynamic batch axis',
      },
    ]);
    expect(modelProblems(prob({ policy: 'keep-aspect', size: 960, multiple: 32 }), [image([1, 3, 'H', 'W'])], pmap)).toEqual([]);
  });

  it('an input the kind never feeds', () => {
    const spec = { policy: 'keep-aspect', size: 960, multiple: 32 };
    const gain = { name: 'gain', type: 'float32', shape: [1] };
    expect(modelProblems(prob(spec), [image(['N', 3, 'H', 'W']), gain], pmap)).toEqual([
      {
        path: 'kind',
        message:
          'the model has an input "gain" [1] that a probability-map model is not fed (Tessera feeds only "x"): no manifest field feeds it; export the model without it (e.g. "gain" as a constant)',
      },
    ]);
    // A misnamed input.tensor is reported with the model's inputs, not as two unfed inputs.
    expect(modelProblems(prob({ ...spec, tensor: 'image' }), [image(['N', 3, 'H', 'W']), gain], pmap)).toEqual([
      { path: 'input.tensor', message: '"image" is not an input of the model (its inputs: x, gain)' },
    ]);
    const sam = ['image_embeddings', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input', 'orig_im_size', 'text_embeds'].map(
      (name) => ({ name, type: 'float32', shape: name === 'text_embeds' ? [1, 1, 256] : [] }),
    );
    const decoder = ModelManifest.parse({
      name: 'read-sam',
      kind: 'prompt-decoder',
      files: { model: 'd.onnx', encoder: 'e.onnx' },
      input: { tensor: 'image', policy: 'longest-side-pad', size: 1024 },
      outputs: { masks: 'masks' },
    });
    expect(modelProblems(decoder, sam, [{ name: 'masks', type: 'float32', shape: [1, 1, 'H', 'W'] }])).toEqual([
      {
        path: 'params.text_embeds',
        message:
          'the model has an input "text_embeds" [1,1,256] that a prompt-decoder model is not fed: set params.text_embeds: true (a READ/LISA decoder that takes the <SEG> embedding)',
      },
    ]);
  });

  it('a channels-last image input is reported once, whatever its channel count', () => {
    // M-LSD: [1,320,320,4] (RGBA): once, not as "320 channels" plus a size line.
    expect(modelProblems(prob({ policy: 'resize', size: 320 }), [image([1, 320, 320, 4])], pmap)).toEqual([
      {
        path: 'input.tensor',
        message:
          '"x" has shape [1,320,320,4], channels last with 4 channels; Tessera feeds [N,3,H,W] (channels first, 3 channels): export the model with an NCHW, 3-channel input',
      },
    ]);
    // BlazeFace: [1,128,128,3] at resize 128: no "fixed at 128x3" line after the layout.
    expect(modelProblems(prob({ policy: 'resize', size: 128 }), [image([1, 128, 128, 3])], pmap)).toEqual([
      {
        path: 'input.tensor',
        message:
          '"x" has shape [1,128,128,3], channels last; Tessera feeds [N,3,H,W] (channels first): export the model with an NCHW input',
      },
    ]);
    expect(modelProblems(prob({ policy: 'resize', size: 64 }), [image([1, 'H', 'W', 1])], pmap).map((p) => p.message)).toEqual([
      expect.stringMatching(/has shape \[1,H,W,1\], channels last with 1 channel;/),
    ]);
    // Channels first with a small width stays channels first.
    expect(modelProblems(prob({ policy: 'resize', size: [64, 3] }), [image([1, 3, 64, 3])], pmap)).toEqual([]);
    expect(modelProblems(prob({ policy: 'resize', size: 64 }), [image([1, 1, 64, 64])], pmap)).toEqual([
      { path: 'input.tensor', message: '"x" has 1 channel ([1,1,64,64]), expected 3' },
    ]);
  });

  it('a channels-last probability output, and the channel count of a channels-first one', () => {
    const spec = prob({ policy: 'resize', size: 320 });
    const x = [image([1, 3, 320, 320])];
    expect(modelProblems(spec, x, out(['N', 'H', 'W', 1]))).toEqual([
      {
        path: 'outputs.probability',
        message:
          '"p" has shape [N,H,W,1], channels last; a probability-map output is [N,1,h,w] (channels first): export the model with an NCHW output',
      },
    ]);
    // M-LSD's scores [1,160,160,1]: channels last, not "160 channels"; unnamed dynamic axes read "?".
    expect(modelProblems(spec, x, out([1, 160, 160, 1])).map((p) => p.message)).toEqual([expect.stringMatching(/channels last/)]);
    expect(modelProblems(spec, x, out(['', '', '', 1])).map((p) => p.message)).toEqual([
      expect.stringMatching(/^"p" has shape \[\?,\?,\?,1\], channels last/),
    ]);
    expect(modelProblems(spec, x, out([1, 2, 'h', 'w']))).toEqual([
      { path: 'outputs.probability', message: '"p" has 2 channels but 1 channel (one foreground map) is expected' },
    ]);
    expect(modelProblems(spec, x, out([1, 1, 160, 1]))).toEqual([]);
  });
});

describe('input.size missing or empty', () => {
  it('says it is required and its form', async () => {
    for (const size of [undefined, null, [], '']) {
      const { issues } = await problems({ ...good, input: { tensor: 'x', policy: 'fixed', ...(size === undefined ? {} : { size }) } });
      expect(issues).toEqual([
        {
          path: 'input.size',
          message:
            'required: one positive integer (a square, e.g. 960) or [height, width] (e.g. [48, 320]), in pixels (policy fixed ignores it but it still needs a value)',
        },
      ]);
    }
    const { issues } = await problems({ ...good, input: { tensor: 'x', policy: 'resize', size: [1, 2, 3] } });
    expect(issues).toEqual([
      {
        path: 'input.size',
        message: 'a list of 3 is not a size: give one positive integer (a square, e.g. 960) or [height, width] (e.g. [48, 320]), in pixels',
      },
    ]);
  });
});
