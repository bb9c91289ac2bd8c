import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeToys } from '../../../tools/toy-models';
import { GraphBuilder } from '../../../tools/onnx';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { writeSceneDataset } from '../../helpers/scenes';

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

describe('annotations.propose', () => {
  it('turns a positive click into the clicked object mask, and a negative click on the background changes nothing', async () => {
    const models = join(t.dir, 'models');
    mkdirSync(models);
    writeToys(models, ['prompt-decoder']);
    const data = await writeSceneDataset(join(t.dir, 'scene'), [
      {
        name: 'a',
        width: 200,
        height: 160,
        rects: [
          { x: 20, y: 30, w: 64, h: 48, cls: 1 },
          { x: 120, y: 90, w: 48, h: 48, cls: 1 },
        ],
      },
    ]);
    const imp = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: data.images, name: 'scene' }));
    const imageId = (await env.client.call('images.page', { datasetId: Number(imp.result?.['datasetId']) })).items[0]!.id;
    const sam = await env.client.call('models.add', { manifestPath: join(models, 'toy-colour-sam.manifest.json') });
    const both = await env.client.call('annotations.propose', { imageId, modelId: sam.id, points: [{ x: 50, y: 50, label: 1 }] });
    expect(both.box).not.toBeNull();
    // The toy decoder grows over similar colour: both red squares, nothing else.
    expect(Math.abs(both.area - (64 * 48 + 48 * 48)) / (64 * 48 + 48 * 48)).toBeLessThan(0.05);
    // A negative click on the background keeps the objects; the crop is the union's bounding box.
    const withNegative = await env.client.call('annotations.propose', {
      imageId,
      modelId: sam.id,
      points: [
        { x: 50, y: 50, label: 1 },
        { x: 100, y: 10, label: 0 },
      ],
    });
    expect(Math.abs(withNegative.area - both.area)).toBeLessThanOrEqual(0.01 * both.area);
    const box = withNegative.box!;
    for (const [got, want] of [
      [box.x, 20],
      [box.y, 30],
      [box.x + box.w, 168],
      [box.y + box.h, 138],
    ] as const)
      expect(Math.abs(got - want)).toBeLessThanOrEqual(2);
    const bytes = Buffer.from(withNegative.mask, 'base64');
    expect(bytes.length).toBe(box.w * box.h);
    const at = (x: number, y: number): number | undefined => bytes[(y - box.y) * box.w + (x - box.x)];
    expect(at(50, 50)).toBe(1);
    expect(at(100, 95)).toBe(0);
    await expect(
      env.client.call('annotations.propose', { imageId, modelId: sam.id, points: [{ x: 500, y: 5, label: 1 }] }),
    ).rejects.toThrow(/outside the 200x160 image/);
  });
});

/**
 * A decoder with the official export's tensor names whose graph only works for 256x256 images: the
 * masks output is the low-res map reshaped to the original size, which onnxruntime refuses at run time.
 */
function reshapingDecoderOnnx(): Uint8Array {
  const g = new GraphBuilder('reshape_only_decoder');
  g.input('image_embeddings', 'float32', [1, 256, 64, 64]);
  g.input('point_coords', 'float32', [1, 'num_points', 2]);
  g.input('point_labels', 'float32', [1, 'num_points']);
  const maskInput = g.input('mask_input', 'float32', [1, 1, 256, 256]);
  g.input('has_mask_input', 'float32', [1]);
  const origImSize = g.input('orig_im_size', 'float32', [2]);
  const lowRes = g.op('Identity', [maskInput]);
  g.output(lowRes, 'low_res_masks', 'float32', [1, 1, 256, 256]);
  const sizes = g.op('Concat', [g.constInt64([1, 1]), g.op('Cast', [origImSize], { to: 7 })], { axis: 0 });
  g.output(g.op('Reshape', [lowRes, sizes]), 'masks', 'float32', [1, 1, 'H', 'W']);
  g.output(g.op('Reshape', [g.constFloat(0.5), g.constInt64([1, 1])]), 'iou_predictions', 'float32', [1, 1]);
  return g.toModel();
}

describe('annotations.propose with a decoder that fails at run time', () => {
  it("says which model failed on which image, in one line (onnxruntime's text names neither)", async () => {
    const models = join(t.dir, 'broken-models');
    mkdirSync(models);
    writeToys(models, ['prompt-decoder']);
    writeFileSync(join(models, 'toy-colour-sam.decoder.onnx'), reshapingDecoderOnnx());
    const manifestPath = join(models, 'toy-colour-sam.manifest.json');
    writeFileSync(manifestPath, JSON.stringify({ ...JSON.parse(readFileSync(manifestPath, 'utf8')), name: 'reshaping sam' }));
    const data = await writeSceneDataset(join(t.dir, 'broken-scene'), [
      { name: 'street', width: 200, height: 160, rects: [{ x: 20, y: 30, w: 64, h: 48, cls: 1 }] },
    ]);
    const imp = await finishJob(env.client, () => env.client.call('datasets.importFolder', { dir: data.images, name: 'broken scene' }));
    const imageId = (await env.client.call('images.page', { datasetId: Number(imp.result?.['datasetId']) })).items[0]!.id;
    const model = await env.client.call('models.add', { manifestPath });
    const err = await env.client
      .call('annotations.propose', { imageId, modelId: model.id, points: [{ x: 50, y: 50, label: 1 }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/^inference failed: model "reshaping sam" on street\.png: .*Reshape/);
    expect(message).not.toContain('\n');
  });
});
