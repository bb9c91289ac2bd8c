// Inputs a user gets wrong on the command line: one line on stderr naming the option or field in the
// user's terms and the rule in words (never zod's "Too small: expected string to have >=1 characters
// (outDir)"), any name it quotes kept on that line, exit 1.
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, tessera } from '../../helpers/cli';
import { makeFolderDataset, tempDir } from '../../helpers/fixtures';

const DET = join(REPO, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_PP-OCRv4_det_infer.onnx');

let t: ReturnType<typeof tempDir>;
let ws: string;
let images: string;
const cli = (...args: string[]) => tessera(['--workspace', ws, ...args]);
/** What a failed command left: its exit code and stderr. */
const failure = (...args: string[]) => {
  const r = cli(...args);
  return { code: r.code, stderr: r.stderr };
};

beforeAll(async () => {
  t = tempDir();
  ws = join(t.dir, 'ws');
  ({ images } = await makeFolderDataset(join(t.dir, 'data'), 2));
  expect(cli('init').code).toBe(0);
  expect(cli('import', 'folder', images, '--name', 'shapes').code).toBe(0);
});
afterAll(() => t.cleanup());

describe('a refused input names the option and the rule', () => {
  it('an empty value is "--out must not be empty", an empty file name "a file name must not be empty"', () => {
    expect(failure('export', '--dataset', 'shapes', '--format', 'voc', '--out', '')).toEqual({
      code: 1,
      stderr: 'error: --out must not be empty\n',
    });
    expect(failure('tags', 'add', 't', '--dataset', 'shapes', '--image', '')).toEqual({
      code: 1,
      stderr: 'error: a file name must not be empty\n',
    });
    expect(failure('import', 'folder', images, '--masks', '')).toEqual({ code: 1, stderr: 'error: --masks must not be empty\n' });
    expect(failure('models', 'add', '')).toEqual({ code: 1, stderr: 'error: <manifest> must not be empty\n' });
    // A schema's own message stays, with the option it came from.
    expect(failure('import', 'predictions', images, '--dataset', 'shapes', '--run', '', '--format', 'png')).toEqual({
      code: 1,
      stderr: 'error: a name cannot be empty (--run)\n',
    });
  });

  it('too many classes says how many fit and how many were given', () => {
    const names = Array.from({ length: 260 }, (_, i) => `c${i + 1}`);
    expect(failure('classes', 'add', '--dataset', 'shapes', ...names)).toEqual({
      code: 1,
      stderr: 'error: at most 255 classes (label values 0-254; 255 is ignore); got 260\n',
    });
  });

  it('a manifest value outside a fixed set lists the allowed values and what was given', () => {
    const manifest = (file: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}): string => {
      const path = join(t.dir, file);
      writeFileSync(
        path,
        JSON.stringify({
          name: 'det',
          kind: 'probability-map',
          files: { model: DET },
          input: { tensor: 'x', policy: 'keep-aspect', size: 256, multiple: 32, ...input },
          outputs: { probability: 'sigmoid_0.tmp_0' },
          ...extra,
        }),
      );
      return path;
    };
    const range = manifest('range.json', { range: '0-2' });
    expect(failure('models', 'add', range)).toEqual({
      code: 1,
      stderr: `error: ${range}: input.range must be one of [0, 1], [0, 255], "0-1", "0-255", 1, 255; got "0-2"\n`,
    });
    const size = manifest('size.json', { size: 0 });
    expect(failure('models', 'add', size)).toEqual({ code: 1, stderr: `error: ${size}: input.size must be greater than 0; got 0\n` });
    const kind = manifest('kind.json', {}, { kind: 'segmenter' });
    expect(failure('models', 'add', kind)).toEqual({
      code: 1,
      stderr: `error: ${kind}: kind must be one of "semantic-seg", "probability-map", "cam", "patch-tokens", "seg-token", "prompt-decoder", "image-encoder"; got "segmenter"\n`,
    });
    // Several problems: still listed one per line under the file, as the README says.
    const two = manifest('two.json', { range: '0-2', policy: 'stretch' });
    expect(failure('models', 'add', two)).toEqual({
      code: 1,
      stderr: `error: ${two}: 2 problems\n  input.policy must be one of "fixed", "resize", "longest-side-pad", "shortest-side-center-crop", "keep-aspect"; got "stretch"\n  input.range must be one of [0, 1], [0, 255], "0-1", "0-255", 1, 255; got "0-2"\n`,
    });
  });
});

describe('names with control characters stay on the error line', () => {
  it('a file name holding a line break is printed with \\n, and a terminal escape as \\u001b', async () => {
    const dir = join(t.dir, 'odd');
    await makeFolderDataset(dir, 1);
    copyFileSync(join(dir, 'images', 'img_000.png'), join(dir, 'images', 'new\nline.png'));
    expect(cli('import', 'folder', join(dir, 'images'), '--name', 'odd').code).toBe(0);
    expect(failure('export', '--dataset', 'odd', '--format', 'voc', '--out', join(t.dir, 'out'))).toEqual({
      code: 1,
      stderr:
        'error: image "new\\nline.png": a VOC id cannot hold whitespace (ImageSets lists split their lines at it, so import voc could not read it back); rename the file, or export --format coco\n',
    });
    const missing = join(t.dir, 'no\u001b[31mred');
    expect(failure('import', 'folder', missing)).toEqual({
      code: 1,
      stderr: `error: image folder not found: ${join(t.dir, 'no\\u001b[31mred')}\n`,
    });
  });
});
