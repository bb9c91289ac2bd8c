import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tessera } from '../../helpers/cli';
import { openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import {
  addSemanticRun,
  expectClose,
  importSemantic,
  naiveSemantic,
  noisyPrediction,
  randomScene,
  testRandom,
  type SemanticFixture,
} from './helpers';

// Runs the BUILT CLI (node tools/build.mjs first). The workspace is built in-process (folder import +
// runs through the repos, as the run/import features will write them), then closed.
const SIZE = { w: 24, h: 18 };
const CLASSES = 4;
let ws: string;
let cleanup: () => void;
let fx: SemanticFixture;
let predsA: Map<number, Uint8Array>;

beforeAll(async () => {
  const t = tempDir('tessera-cli-eval-');
  cleanup = t.cleanup;
  ws = join(t.dir, 'ws');
  const { engine, client } = openTestEngine(ws);
  const random = testRandom(5);
  const gts = Array.from({ length: 6 }, () => randomScene(random, SIZE.w, SIZE.h, CLASSES, true));
  gts[0]![0] = CLASSES - 1;
  fx = await importSemantic(client, engine, t.dir, gts, SIZE, 'street');
  predsA = new Map(fx.samples.map((s) => [s.sampleId, noisyPrediction(random, s.gt, CLASSES, 0.3)]));
  addSemanticRun(engine, fx.datasetId, 'base', predsA, SIZE);
  addSemanticRun(
    engine,
    fx.datasetId,
    'better',
    new Map(fx.samples.map((s) => [s.sampleId, noisyPrediction(random, s.gt, CLASSES, 0.1)])),
    SIZE,
  );
  // A name with a comma in it (the same predictions as "better"): `--runs` cannot name it, `--run` can.
  addSemanticRun(
    engine,
    fx.datasetId,
    'better, tuned',
    new Map(fx.samples.map((s) => [s.sampleId, noisyPrediction(testRandom(6), s.gt, CLASSES, 0.1)])),
    SIZE,
  );
  await client.call('tags.apply', { tag: 'night', imageIds: fx.samples.slice(0, 2).map((s) => s.imageId) });
  // A complete run and a cancelled one with results for the first 2 of 4 images, and a tag on the last 2.
  const evening = await importSemantic(client, engine, t.dir, gts.slice(0, 4), SIZE, 'evening');
  const eveningPreds = new Map(evening.samples.map((s) => [s.sampleId, noisyPrediction(random, s.gt, CLASSES, 0.3)]));
  addSemanticRun(engine, evening.datasetId, 'full', eveningPreds, SIZE);
  addSemanticRun(engine, evening.datasetId, 'halfway', new Map([...eveningPreds].slice(0, 2)), SIZE, { status: 'cancelled' });
  await client.call('tags.apply', { tag: 'late', imageIds: evening.samples.slice(2).map((s) => s.imageId) });
  // A tag used only in another dataset.
  const other = await importSemantic(client, engine, t.dir, gts.slice(0, 2), SIZE, 'fields');
  await client.call('tags.apply', { tag: 'sunny', imageIds: other.samples.map((s) => s.imageId) });
  await engine.close();
});

afterAll(() => cleanup?.());

const cli = (...args: string[]) => tessera(['--workspace', ws, ...args]);

describe('tessera eval / compare', () => {
  it('eval --json prints exactly the docs/design.md §6.2 object with the reference scores', () => {
    const r = cli('eval', '--dataset', 'street', '--run', 'base', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown> & { semantic: Record<string, number | null> };
    expect(Object.keys(out)).toEqual(['dataset', 'run', 'images', 'semantic', 'referring', 'definitions']);
    expect(out).toMatchObject({ dataset: 'street', run: 'base', images: 6, referring: null });
    expect(Object.keys(out.semantic)).toEqual(['miou', 'miou_gt_classes', 'pixel_acc', 'mean_acc', 'fwiou', 'per_class']);
    const ref = naiveSemantic(
      fx.samples.map((s) => ({ gt: s.gt, pred: predsA.get(s.sampleId)! })),
      CLASSES,
    );
    expectClose(out.semantic['miou'], ref.miou, 'miou');
    expectClose(out.semantic['fwiou'], ref.fwiou, 'fwiou');
  });

  it('accepts ids, scores a subset, and prints a human table', () => {
    const sub = JSON.parse(cli('eval', '--dataset', String(fx.datasetId), '--run', 'base', '--subset', 'night', '--json').stdout) as {
      images: number;
    };
    expect(sub.images).toBe(2);
    const human = cli('eval', '--dataset', 'street', '--run', 'base');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/mIoU\s+mIoU \(GT classes\)/);
    expect(human.stdout).toContain('definitions: mmseg-miou, toco-miou, pixel-acc, mean-acc, fwiou');
  });

  it('compare --json is reproducible and the interval brackets the difference', () => {
    const one = cli('compare', '--dataset', 'street', '--runs', 'base,better', '--json');
    const two = cli('compare', '--dataset', 'street', '--runs', 'base,better', '--json');
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(two.stdout);
    const c = JSON.parse(one.stdout) as {
      runs: string[];
      a: number;
      b: number;
      difference: { estimate: number; low: number; high: number };
      paired: { wins: number };
    };
    expect(c.runs).toEqual(['base', 'better']);
    expect(c.difference.estimate).toBeCloseTo(c.b - c.a, 12);
    expect(c.difference.low).toBeLessThanOrEqual(c.difference.estimate);
    expect(c.difference.high).toBeGreaterThanOrEqual(c.difference.estimate);
    const human = cli('compare', '--dataset', 'street', '--runs', 'base,better');
    expect(human.stdout).toContain('95% CI');
    expect(human.stdout).toMatch(/B wins \d+, ties \d+, loses \d+/);
  });

  it("refuses a seed or a resample count outside what compare takes in the option's words, not the API's", () => {
    const cases: Array<[string[], string]> = [
      [['--seed', '4294967296'], 'error: --seed must be an integer from 0 to 4294967295 (got "4294967296")'],
      [['--seed', ''], 'error: --seed must be an integer from 0 to 4294967295 (got "")'],
      [['--seed', '1e3'], 'error: --seed must be an integer from 0 to 4294967295 (got "1e3")'],
      [['--samples', '100000000'], 'error: --samples must be an integer from 1 to 100000 (got "100000000")'],
    ];
    for (const [args, line] of cases) {
      const r = cli('compare', '--dataset', 'street', '--runs', 'base,better', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(line);
    }
    // An input the API refuses is said without the API method's name.
    const empty = cli('tags', 'add', '', '--dataset', 'street', '--all');
    expect({ code: empty.code, stderr: empty.stderr }).toEqual({ code: 1, stderr: 'error: a tag name cannot be empty (tag)\n' });
  });

  it('names runs with --run A --run B, a name with a comma included; --runs splits at commas and says so', () => {
    const byRun = cli('compare', '--dataset', 'street', '--run', 'base', '--run', 'better, tuned', '--json');
    expect(byRun.stderr).toBe('');
    expect((JSON.parse(byRun.stdout) as { runs: string[] }).runs).toEqual(['base', 'better, tuned']);
    const split = cli('compare', '--dataset', 'street', '--runs', 'base,better, tuned');
    expect(split.code).toBe(2);
    expect(split.stderr.split('\n')[0]).toBe('error: --runs takes exactly 2 runs separated by commas (got "base,better, tuned")');
    const missing = cli('compare', '--dataset', 'street', '--runs', 'base,tuned');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'error: no run "tuned" in dataset "street" (its runs: base, better, better, tuned); name a run with a comma in it with --run NAME\n',
    );
    const same = cli('compare', '--dataset', 'street', '--runs', 'base,base');
    expect(same.code).toBe(1);
    expect(same.stderr).toBe('error: run "base" is named twice ("base" and "base")\n');
    const both = cli('compare', '--dataset', 'street', '--runs', 'base,better', '--run', 'base');
    expect(both.code).toBe(2);
    expect(both.stderr.split('\n')[0]).toBe('error: give the runs with --runs A,B or with --run A --run B, not both');
    const none = cli('compare', '--dataset', 'street');
    expect(none.code).toBe(2);
    expect(none.stderr.split('\n')[0]).toBe('error: name exactly 2 runs with --runs A,B (names or ids) or --run A --run B');
  });

  it('fails with one clear line: unknown run (exit 1), wrong --runs (exit 2)', () => {
    const missing = cli('eval', '--dataset', 'street', '--run', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: no run "nope" in dataset "street" (its runs: base, better, better, tuned)\n');
    const usage = cli('compare', '--dataset', 'street', '--runs', 'base');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--runs takes exactly 2 runs');
    const tag = cli('eval', '--dataset', 'street', '--run', 'base', '--subset', 'nope');
    expect(tag.code).toBe(1);
    expect(tag.stderr.trim().split('\n')).toHaveLength(1);
    // A tag of another dataset only: refused in one line, not scored as "0 images" with exit 0 (probe AE F5).
    const foreign =
      'error: tag "sunny" marks no image of dataset "street" (it marks 2 images of other datasets): tag this dataset\'s images first (tessera tags add sunny --dataset street --images ... | --split S | --all)\n';
    for (const args of [
      ['eval', '--dataset', 'street', '--run', 'base', '--subset', 'sunny'],
      ['compare', '--dataset', 'street', '--runs', 'base,better', '--subset', 'sunny'],
      ['report', '--dataset', 'street', '--runs', 'base,better', '--subset', 'sunny', '--out', join(ws, 'sunny.json')],
    ]) {
      const r = cli(...args);
      expect([r.code, r.stderr], args[0]).toEqual([1, foreign]);
    }
    expect(existsSync(join(ws, 'sunny.json'))).toBe(false);
  });

  it('--subset TAG of images none of which the run is scored on: refused in one line that says so, not "0 images" with exit 0', () => {
    const why =
      '(a run is scored on the images with ground truth that it covers: not those left out of a run started on a subset or not reached yet by an unfinished one): tag images the runs cover, or score without --subset\n';
    const one = `error: tag "late" marks images of dataset "evening", but run "halfway" is scored on none of them ${why}`;
    const both = `error: tag "late" marks images of dataset "evening", but runs "full" and "halfway" are not both scored on any of them ${why}`;
    for (const [args, message] of [
      [['eval', '--dataset', 'evening', '--run', 'halfway', '--subset', 'late'], one],
      [['compare', '--dataset', 'evening', '--runs', 'full,halfway', '--subset', 'late'], both],
      [['report', '--dataset', 'evening', '--runs', 'full,halfway', '--subset', 'late', '--out', join(ws, 'late.json')], one],
    ] as const) {
      const r = cli(...args);
      expect([r.code, r.stderr], args[0]).toEqual([1, message]);
    }
    expect(existsSync(join(ws, 'late.json'))).toBe(false);
    // The tag scores a run that covers its images.
    const base = cli('eval', '--dataset', 'evening', '--run', 'full', '--subset', 'late', '--json');
    expect([base.code, JSON.parse(base.stdout).images]).toEqual([0, 2]);
  });
});
