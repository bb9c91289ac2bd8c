import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../../helpers/fixtures';
import { tessera } from '../../helpers/cli';

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir();
});
afterAll(() => t.cleanup());

describe('tessera init --demo', () => {
  it('builds a workspace with scenes, a referring set, the photos, every toy model and a complete run of each', () => {
    const ws = join(t.dir, 'demo');
    const r = tessera(['--workspace', ws, 'init', '--demo', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { demo: { datasets: string[]; models: string[]; runs: string[] } };
    expect(out.demo.datasets).toEqual(['demo-scenes', 'demo-referring', 'demo-photos']);
    expect(out.demo.runs).toHaveLength(6);
    const datasets = JSON.parse(tessera(['--workspace', ws, 'datasets', 'list', '--json']).stdout) as Array<{
      name: string;
      imageCount: number;
      task: string;
    }>;
    expect(datasets.map((d) => [d.name, d.task, d.imageCount])).toEqual([
      ['demo-scenes', 'semantic', 24],
      ['demo-referring', 'referring', 12],
      ['demo-photos', 'unlabelled', 10],
    ]);
    const models = JSON.parse(tessera(['--workspace', ws, 'models', 'list', '--json']).stdout) as Array<{
      name: string;
      kind: string;
      toy: boolean;
    }>;
    expect(models.map((m) => m.kind).sort()).toEqual([
      'cam',
      'image-encoder',
      'patch-tokens',
      'probability-map',
      'prompt-decoder',
      'seg-token',
      'semantic-seg',
    ]);
    expect(models.every((m) => m.toy)).toBe(true);
    expect(tessera(['--workspace', ws, 'init', '--demo']).stderr).toMatch(/already has the demo datasets/);
  });
});
