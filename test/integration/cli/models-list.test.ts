import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeToys } from '../../../tools/toy-models';
import { tessera } from '../../helpers/cli';
import { tempDir } from '../../helpers/fixtures';

let t: ReturnType<typeof tempDir>;
let ws: string;

beforeAll(() => {
  t = tempDir();
  ws = join(t.dir, 'ws');
  const models = join(t.dir, 'models');
  const manifests = writeToys(models, ['semantic-seg', 'cam']);
  // The semantic toy once more, fed as a PaddleOCR-style detector would be: keep-aspect, BGR, ImageNet mean/std.
  const semantic = JSON.parse(readFileSync(manifests['semantic-seg'] as string, 'utf8')) as Record<string, unknown>;
  const keepAspect = join(models, 'keep-aspect.json');
  writeFileSync(
    keepAspect,
    JSON.stringify({
      ...semantic,
      name: 'detector-like',
      input: {
        tensor: 'image',
        policy: 'keep-aspect',
        size: 960,
        multiple: 32,
        mean: [123.675, 116.28, 103.53],
        std: [58.395, 57.12, 57.375],
        range: [0, 255],
        channel_order: 'BGR',
      },
    }),
  );
  expect(tessera(['--workspace', ws, 'init']).code).toBe(0);
  for (const m of [manifests['semantic-seg'] as string, manifests['cam'] as string, keepAspect]) {
    const r = tessera(['--workspace', ws, 'models', 'add', m]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }
});
afterAll(() => t.cleanup());

describe('tessera models list', () => {
  it("shows each model's input spec in an INPUT column", () => {
    const r = tessera(['--workspace', ws, 'models', 'list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+KIND\s+TOY\s+INPUT\s+CLASSES\s+SHA256$/);
    const inputColumn = (line: string): string => line.slice(lines[0]?.indexOf('INPUT'), lines[0]?.indexOf('CLASSES')).trim();
    expect(lines.slice(1).map(inputColumn)).toEqual([
      '64x64 resize RGB 0-1',
      '448x448 resize RGB 0-255 mean/std',
      'max 960 /32 keep-aspect BGR 0-255 mean/std',
    ]);
  });

  it('includes the normalized input spec in --json', () => {
    const list = JSON.parse(tessera(['--workspace', ws, 'models', 'list', '--json']).stdout) as Array<{ name: string; input: unknown }>;
    expect(list.find((m) => m.name === 'detector-like')?.input).toEqual({
      tensor: 'image',
      policy: 'keep-aspect',
      size: [960, 960],
      multiple: 32,
      mean: [123.675, 116.28, 103.53],
      std: [58.395, 57.12, 57.375],
      range: 255,
      channel_order: 'BGR',
    });
    expect(list.find((m) => m.name === 'toy-colour-semantic')?.input).toEqual({
      tensor: 'image',
      policy: 'resize',
      size: [64, 64],
      mean: [0, 0, 0],
      std: [1, 1, 1],
      range: 1,
      channel_order: 'RGB',
    });
  });
});
