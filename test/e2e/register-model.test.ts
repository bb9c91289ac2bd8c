import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse as parseYaml } from 'yaml';
import { semanticSegToy } from '../../tools/toy-models/semantic-seg';
import { tessera } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { writeSceneDataset } from '../helpers/scenes';
import { TOY_SCENES } from './support/scene';
import { startUi, stopUi, type Ui } from './support/ui';
import { ARTIFACTS } from './support/page';

let t: ReturnType<typeof tempDir>;
let ui: Ui;
let ws: string;
let onnx: string;

beforeAll(async () => {
  t = tempDir('tessera-e2e-register-');
  ws = join(t.dir, 'ws');
  const data = await writeSceneDataset(join(t.dir, 'scenes'), TOY_SCENES);
  for (const args of [['init'], ['import', 'folder', data.images, '--masks', data.masks, '--name', 'scenes']]) {
    expect(tessera(['--workspace', ws, ...args]).code).toBe(0);
  }
  // Only the ONNX file, as a researcher brings it: no manifest. Inside the workspace, because the
  // browser UI writes files (the manifest beside the model) only there.
  const incoming = join(ws, 'incoming');
  mkdirSync(incoming);
  onnx = join(incoming, 'colours.onnx');
  writeFileSync(onnx, semanticSegToy().onnx);
  ui = await startUi(ws);
});

afterAll(() => stopUi(ui, () => t?.cleanup()));

describe('registering a model from the UI', () => {
  it('inspects an ONNX file, writes its manifest from the form, shows the tensor check, and runs it', async () => {
    const page = await ui.browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${ui.server.url}#/models`);
    await page.getByTestId('add-model-button').click();
    await page.getByTestId('add-mode-onnx').check();
    await page.getByTestId('onnx-path').fill(onnx);
    await page.getByTestId('onnx-inspect').click();

    // The file's real tensors, with their shapes.
    await page.getByTestId('onnx-inspection').waitFor();
    const tensors = page.getByTestId('onnx-inspection').getByTestId('tensor-table');
    expect(await tensors.getByTestId('tensor-input').allInnerTexts()).toEqual([expect.stringMatching(/image\s+float32\s+\[1, 3, H, W\]/)]);
    expect(await tensors.getByTestId('tensor-output').allInnerTexts()).toEqual([
      expect.stringMatching(/logits\s+float32\s+\[1, 4, h, w\]/),
    ]);
    expect(await page.getByTestId('manifest-target').textContent()).toBe(join(ws, 'incoming', 'colours.tessera.yaml'));

    // Guesses from the file: its name, its image tensor, the logits role.
    expect(await page.getByTestId('manifest-name').inputValue()).toBe('colours');
    expect(await page.getByTestId('manifest-tensor').inputValue()).toBe('image');
    expect(await page.getByTestId('manifest-output-0').inputValue()).toBe('logits');

    // A manifest with two problems: every one is listed, nothing is written.
    await page.getByTestId('manifest-name').fill('colours-ui');
    await page.getByTestId('manifest-policy').selectOption('resize');
    await page.getByTestId('manifest-height').fill('64');
    await page.getByTestId('manifest-width').fill('64');
    await page.getByTestId('manifest-classes').fill('background, red, green, blue');
    await page.getByTestId('manifest-output-0').selectOption('');
    await page.getByTestId('manifest-params').fill('{"output_type": "probs"}');
    await page.getByTestId('manifest-write').click();
    await page.getByTestId('model-problems').waitFor();
    const problems = await page.getByTestId('model-problem').allInnerTexts();
    expect(problems).toHaveLength(2);
    expect(problems.some((p) => p.startsWith('outputs: ') && p.includes('"logits"'))).toBe(true);
    expect(problems).toContain('params.output_type must be one of "logits", "probability"; got "probs"');
    expect(existsSync(join(ws, 'incoming', 'colours.tessera.yaml'))).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, 'register-model-problems.png'), fullPage: true });

    // Fixed: the manifest is written beside the ONNX file and the model registers.
    await page.getByTestId('manifest-output-0').selectOption('logits');
    await page.getByTestId('manifest-params').fill('{"output_stride": 4, "output_type": "logits"}');
    await page.getByTestId('manifest-write').click();
    await page.getByTestId('model-registered').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('model-problems').count()).toBe(0);
    const written = parseYaml(readFileSync(join(ws, 'incoming', 'colours.tessera.yaml'), 'utf8')) as Record<string, unknown>;
    expect(written).toEqual({
      name: 'colours-ui',
      kind: 'semantic-seg',
      files: { model: 'colours.onnx' },
      input: { tensor: 'image', policy: 'resize', size: [64, 64], mean: [0, 0, 0], std: [1, 1, 1], range: '0-1', channel_order: 'RGB' },
      outputs: { logits: 'logits' },
      classes: { names: ['background', 'red', 'green', 'blue'], background: 0 },
      params: { output_stride: 4, output_type: 'logits' },
    });
    const check = page.getByTestId('model-registered');
    expect(await check.getByTestId('tensor-shape').allInnerTexts()).toEqual(['[1, 3, H, W]', '[1, 4, h, w]']);
    expect(await check.getByTestId('input-spec').innerText()).toMatch(/resize: stretched to 64×64/);

    // The registry lists it with its input spec.
    await expect.poll(() => page.getByTestId('model-row').count()).toBe(1);
    const spec = await page.getByTestId('model-row').getByTestId('input-spec').innerText();
    expect(spec).toMatch(/image \[1, 3, H, W\]/);
    expect(spec).toMatch(/RGB · range 0–1 · mean 0, 0, 0 · std 1, 1, 1/);
    await page.screenshot({ path: join(ARTIFACTS, 'register-model-registered.png'), fullPage: true });

    // Registering the same name again is a conflict, resolved with "Replace the existing model".
    await page.getByTestId('add-mode-manifest').check();
    await page.getByTestId('manifest-path').fill(join(ws, 'incoming', 'colours.tessera.yaml'));
    await page.getByTestId('manifest-register').click();
    await page.getByTestId('replace-model').waitFor();
    expect(await page.getByTestId('model-problems').getAttribute('data-code')).toBe('CONFLICT');
    await page.getByTestId('replace-model').click();
    await page.getByTestId('model-registered').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('model-row').count()).toBe(1);

    // Then run it over the dataset with the run panel.
    await page.getByTestId('run-model-select').selectOption({ label: 'colours-ui (semantic-seg)' });
    await page.getByTestId('run-dataset-select').selectOption({ index: 1 });
    await page.getByTestId('run-name').fill('registered-in-ui');
    await page.getByTestId('run-device').selectOption('cpu');
    await page.getByTestId('run-start').click();
    await page.getByTestId('run-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('run-result').getAttribute('data-status')).toBe('succeeded');

    const db = new Database(join(ws, 'tessera.db'), { readonly: true });
    const areas = db
      .prepare(
        "SELECT class_idx AS cls, SUM(area) AS area FROM predictions WHERE run_id = (SELECT id FROM runs WHERE name = 'registered-in-ui') AND class_idx > 0 GROUP BY class_idx ORDER BY class_idx",
      )
      .all();
    db.close();
    // s0: left half red, a green and a blue 16x16 square; s1: a blue 48x48 square. The toy's logits are
    // at 1/4 resolution and upsampled bilinearly, which rounds off the squares' corner pixels.
    const expected = [32 * 64, 16 * 16, 16 * 16 + 48 * 48];
    expect(areas.map((a) => (a as { cls: number }).cls)).toEqual([1, 2, 3]);
    areas.forEach((a, i) => {
      const area = (a as { area: number }).area;
      expect(area).toBeLessThanOrEqual(expected[i] as number);
      expect(area).toBeGreaterThanOrEqual((expected[i] as number) - 12);
    });
    // Closed, the page is the registry with the run panel.
    await page.getByTestId('add-model-close').click();
    await page.screenshot({ path: join(ARTIFACTS, 'register-model-list.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
