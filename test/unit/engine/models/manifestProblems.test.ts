import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../../../src/main/engine/models/manifest';
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
    expect(issues.map((i) => i.path)).toEqual(['input']);
    expect(message.split('\n')[0]).toMatch(/m\.json: input: /);
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
