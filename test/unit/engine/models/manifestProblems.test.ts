import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../../../src/main/engine/models/manifest';
import { modelProblems } from '../../../../src/main/engine/models/registry';
import { ModelManifest } from '../../../../src/shared/domain';
import { ApiError } from '../../../../src/shared/api/errors';

function write(manifest: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-manifest-'));
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
