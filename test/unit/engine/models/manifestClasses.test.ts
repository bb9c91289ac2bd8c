// `classes` and `input.std` rules beyond the schema: each refusal is one line naming the field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../../../src/main/engine/models/manifest';

function write(manifest: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tessera-classes-')), 'seg.json');
  writeFileSync(path, JSON.stringify(manifest));
  return path;
}

const seg = {
  name: 'seg',
  kind: 'semantic-seg',
  files: { model: 'seg.onnx' },
  input: { tensor: 'image', policy: 'fixed', size: 64, range: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  outputs: { logits: 'logits' },
  classes: { names: ['background', 'cat', 'dog', 'bird'], background: 0 },
};

async function refusal(change: Record<string, unknown>): Promise<string> {
  const err = await loadManifest(write({ ...seg, ...change })).catch((e: unknown) => e);
  if (!(err instanceof Error)) throw new Error('the manifest was accepted');
  return err.message;
}

describe('manifest classes and std', () => {
  it('accepts the base manifest, a null background and a palette longer than the names (a 256-entry VOC palette)', async () => {
    await expect(loadManifest(write(seg))).resolves.toBeDefined();
    await expect(loadManifest(write({ ...seg, classes: { ...seg.classes, background: null } }))).resolves.toBeDefined();
    const palette = Array.from({ length: 256 }, (_, i) => [i, i, i]);
    await expect(loadManifest(write({ ...seg, classes: { ...seg.classes, palette } }))).resolves.toBeDefined();
  });

  it('refuses a background that does not index classes.names', async () => {
    expect(await refusal({ classes: { ...seg.classes, background: 9 } })).toMatch(
      /seg\.json: classes\.background: 9 is not an index into classes\.names \(0-3\); use null for a model without a background class$/,
    );
  });

  it('refuses duplicate class names, ignoring case (name-based mapping would be ambiguous)', async () => {
    expect(await refusal({ classes: { names: ['background', 'cat', 'Cat', 'dog'] } })).toMatch(
      /seg\.json: classes\.names: "Cat" \(index 2\) repeats "cat" \(index 1\): class names must be unique, ignoring case, to map them to a dataset's classes by name$/,
    );
  });

  it('refuses a palette with fewer colours than names', async () => {
    expect(await refusal({ classes: { ...seg.classes, palette: [[0, 0, 0]] } })).toMatch(
      /seg\.json: classes\.palette: 1 colour for 4 classes: give one \[r, g, b\] per name$/,
    );
  });

  it('refuses a negative or tiny std (1e-45 turns every pixel into Infinity)', async () => {
    for (const [std, shown] of [
      [[0.229, 1e-45, 0.225], '1e-45'],
      [[0.229, -0.224, 0.225], '-0.224'],
    ] as const)
      expect(await refusal({ input: { ...seg.input, std } })).toMatch(
        new RegExp(
          `seg\\.json: input\\.std: ${shown.replace('.', '\\.')}: every std must be at least 1e-6 \\(it divides the pixel values\\)$`,
        ),
      );
    await expect(loadManifest(write({ ...seg, input: { ...seg.input, std: [1e-6, 58.395, 1] } }))).resolves.toBeDefined();
  });
});
