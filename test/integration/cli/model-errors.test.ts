// What a researcher sees when a real third-party model rejects its input: one line on stderr (no
// onnxruntime log lines, no colour codes, no "run again" advice), the full text in tessera.log.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, tessera } from '../../helpers/cli';
import { tempDir } from '../../helpers/fixtures';

const DET = join(REPO, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_PP-OCRv4_det_infer.onnx');

let t: ReturnType<typeof tempDir>;
let ws: string;
const cli = (...args: string[]) => tessera(['--workspace', ws, ...args]);

beforeAll(() => {
  t = tempDir();
  ws = join(t.dir, 'ws');
  const img = join(t.dir, 'img');
  mkdirSync(img);
  // 320x213 and 384x303: sizes PP-OCR's strided layers cannot take as they are.
  copyFileSync(join(REPO, 'test', 'fixtures', 'real-model', 'rocket-adobergb.jpg'), join(img, 'rocket.jpg'));
  copyFileSync(join(REPO, 'test', 'fixtures', 'real-model', 'coins.png'), join(img, 'coins.png'));
  writeFileSync(
    join(t.dir, 'fixed.json'),
    JSON.stringify({
      name: 'det-fixed',
      kind: 'probability-map',
      files: { model: DET },
      // The mistake: PP-OCR needs sides that are multiples of 32 (keep-aspect), not the image as it is.
      input: {
        tensor: 'x',
        policy: 'fixed',
        size: 1,
        range: '0-1',
        channel_order: 'BGR',
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
      },
      outputs: { probability: 'sigmoid_0.tmp_0' },
    }),
  );
  expect(cli('init').code).toBe(0);
  expect(cli('import', 'folder', img, '--name', 'photos').code).toBe(0);
  expect(cli('models', 'add', join(t.dir, 'fixed.json')).code).toBe(0);
});
afterAll(() => t.cleanup());

describe('errors from a real model', () => {
  it('a shape error is one line, not offered a retry, and logged in full', () => {
    // --device cuda as well: onnxruntime's own "cannot load the CUDA provider" log must not reach stderr either.
    const r = cli('run', '--model', 'det-fixed', '--dataset', 'photos', '--device', 'cuda');
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: inference failed: .*(broadcast|dimension)/i);
    expect(r.stderr).not.toMatch(/\[[EW]:onnxruntime|run again/);
    expect(r.stderr.includes(String.fromCharCode(27))).toBe(false); // no colour codes
    const log = readFileSync(join(ws, 'tessera.log'), 'utf8');
    expect(log).toMatch(/run \d+: (rocket\.jpg|coins\.png) failed: .*Add node/);
  });

  it('a manifest with several mistakes lists each on its own line', () => {
    const bad = join(t.dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        name: 'det-bad',
        kind: 'probability-map',
        files: { model: DET },
        input: { tensor: 'image', policy: 'keep-aspect', size: 960, multiple: 32 },
        outputs: { probability: 'sigmoid' },
        params: { threshold: 30 },
      }),
    );
    const r = cli('models', 'add', bad);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^error: .*bad\.json: params\.threshold must be at most 1; got 30$/),
    ]);
    // The tensor check runs once the manifest itself is valid: fix the threshold, see the tensor problems together.
    writeFileSync(bad, readFileSync(bad, 'utf8').replace('"threshold":30', '"threshold":0.3'));
    const r2 = cli('models', 'add', bad);
    const lines = r2.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^error: .*bad\.json \(checked against .*ch_PP-OCRv4_det_infer\.onnx\): 2 problems$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}input\.tensor: "image" is not an input of the model \(its inputs: x\)$/),
      expect.stringMatching(/^ {2}outputs\.probability: "sigmoid" is not an output of the model \(its outputs: sigmoid_0\.tmp_0\)$/),
    ]);
    expect(cli('models', 'list', '--json').stdout).not.toMatch(/det-bad/);
  });
});
