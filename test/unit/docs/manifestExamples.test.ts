// The manifest reference (docs/manifest.md) and the README's Models section: every fenced yaml/json
// block is a manifest a researcher may copy, so each one must load with the real loader (schema +
// per-kind rules) with zero problems; the reference must name every field the schema has; its
// worked numbers must be what preprocessing computes; the PaddleOCR example must pass the tensor
// check against the real PP-OCRv4 detector.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { REQUIRED_OUTPUT_ROLES } from '../../../src/main/engine/models/adapters';
import { loadManifest, manifestProblems } from '../../../src/main/engine/models/manifest';
import { imageToTensor, keepAspectSize } from '../../../src/main/engine/models/preprocess';
import { modelProblems } from '../../../src/main/engine/models/registry';
import type { TensorMeta } from '../../../src/main/engine/models/inference/protocol';
import { ClassSpec, InputSpec, ModelKind, ModelManifest, PARAMS_SCHEMAS, SaspParams, SizePolicy } from '../../../src/shared/domain';

const ROOT = join(__dirname, '..', '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'manifest.md'), 'utf8');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const PPOCR_DET = join(ROOT, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_PP-OCRv4_det_infer.onnx');

interface Block {
  source: string;
  line: number;
  lang: 'yaml' | 'json';
  text: string;
}

/** Every ```yaml / ```json fenced block of a markdown text. */
function manifestBlocks(markdown: string, source: string, firstLine = 1): Block[] {
  const out: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(yaml|yml|json)\s*$/.exec(lines[i] as string);
    if (open === null) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${source}:${i + firstLine}: unclosed code block`);
    out.push({
      source,
      line: i + firstLine,
      lang: open[1] === 'json' ? 'json' : 'yaml',
      text: lines.slice(i + 1, end).join('\n'),
    });
    i = end;
  }
  return out;
}

/** The README's "## Models" section and the line it starts on. */
function readmeModels(): { text: string; line: number } {
  const start = README.indexOf('\n## Models\n');
  expect(start).toBeGreaterThan(0);
  const end = README.indexOf('\n## ', start + 1);
  return { text: README.slice(start + 1, end < 0 ? undefined : end), line: README.slice(0, start + 1).split('\n').length };
}

const dir = mkdtempSync(join(tmpdir(), 'tessera-doc-manifests-'));

/** Loads a block exactly as `models add` does (same file-extension rule for YAML vs JSON). */
async function load(block: Block): Promise<ModelManifest> {
  const path = join(dir, `${block.source.replace(/\W/g, '_')}-${block.line}.${block.lang}`);
  writeFileSync(path, block.text);
  const loaded = await loadManifest(path).catch((err: unknown) => {
    throw new Error(`${block.source}:${block.line}: ${err instanceof Error ? err.message : String(err)}`);
  });
  return loaded.manifest;
}

const docBlocks = manifestBlocks(DOC, 'docs/manifest.md');
const models = readmeModels();
const readmeBlocks = manifestBlocks(models.text, 'README.md', models.line);

describe('manifest examples in the docs', () => {
  it('docs/manifest.md: every yaml/json block loads with zero problems, and every kind has an example', async () => {
    expect(docBlocks.length).toBeGreaterThanOrEqual(ModelKind.options.length);
    const kinds = new Set<string>();
    const names = new Set<string>();
    for (const block of docBlocks) {
      const manifest = await load(block);
      expect(manifestProblems(manifest), `${block.source}:${block.line}`).toEqual([]);
      kinds.add(manifest.kind);
      expect(names.has(manifest.name), `${block.source}:${block.line}: duplicate name ${manifest.name}`).toBe(false);
      names.add(manifest.name);
    }
    expect([...kinds].sort()).toEqual([...ModelKind.options].sort());
  });

  it('README Models section: its example loads with zero problems and is the PaddleOCR detector of the reference', async () => {
    expect(readmeBlocks.length).toBeGreaterThanOrEqual(1);
    for (const block of readmeBlocks) {
      const manifest = await load(block);
      expect(manifestProblems(manifest)).toEqual([]);
    }
    const readmeDet = await load(readmeBlocks[0] as Block);
    const docDet = await Promise.all(docBlocks.map(load)).then((ms) => ms.find((m) => m.kind === 'probability-map'));
    expect(readmeDet).toEqual(docDet);
    expect(models.text).toContain('docs/manifest.md');
  });

  it('the examples name the decoders and encoders they rely on, with the same frame', async () => {
    const all = await Promise.all(docBlocks.map(load));
    const byName = new Map(all.map((m) => [m.name, m]));
    for (const m of all) {
      const decoder = m.params['decoder'];
      if (typeof decoder === 'string' && decoder !== 'read-sam-vit_h') expect(byName.get(decoder)?.kind).toBe('prompt-decoder');
      const encoder = m.params['encoder_model'];
      if (typeof encoder === 'string') {
        const enc = byName.get(encoder);
        expect(enc?.kind).toBe('image-encoder');
        expect(Math.max(...(enc?.input.size ?? [0]))).toBe(Math.max(...m.input.size));
      }
      if (m.kind === 'prompt-decoder') expect(m.files.encoder !== undefined || typeof encoder === 'string').toBe(true);
    }
  });
});

describe('the field reference is complete', () => {
  const mentioned = (key: string): boolean => DOC.includes(`\`${key}\``) || DOC.includes(`\`${key}:`) || DOC.includes(`\`${key} `);
  const keys = (schema: unknown): string[] => Object.keys((schema as z.ZodObject).shape);

  it('names every top-level, input, classes and per-kind params field, every policy, kind and required role', () => {
    const top = keys((ModelManifest as unknown as { out: unknown }).out);
    expect(top).toContain('execution_providers');
    const missing: string[] = [];
    for (const k of top) if (!mentioned(k)) missing.push(k);
    for (const k of keys(InputSpec)) if (!mentioned(k) && !mentioned(`input.${k}`)) missing.push(`input.${k}`);
    for (const k of keys(ClassSpec)) if (!mentioned(`classes.${k}`)) missing.push(`classes.${k}`);
    for (const [kind, schema] of Object.entries(PARAMS_SCHEMAS))
      for (const k of keys(schema)) if (!mentioned(k)) missing.push(`${kind} params.${k}`);
    for (const k of keys(SaspParams)) if (!DOC.includes(`\`${k}\``)) missing.push(`params.sasp.${k}`);
    for (const p of SizePolicy.options) if (!mentioned(p)) missing.push(`policy ${p}`);
    for (const kind of ModelKind.options) if (!DOC.includes(`### \`${kind}\``)) missing.push(`example heading for ${kind}`);
    for (const roles of Object.values(REQUIRED_OUTPUT_ROLES))
      for (const alternatives of roles) for (const r of alternatives) if (!mentioned(r)) missing.push(`output role ${r}`);
    expect(missing).toEqual([]);
  });
});

describe('the worked numbers are what preprocessing computes', () => {
  const pixel = { width: 1, height: 1, data: Uint8Array.of(200, 100, 50) };
  const tensorOf = (input: Record<string, unknown>): number[] =>
    Array.from(imageToTensor(pixel, InputSpec.parse({ tensor: 'x', policy: 'fixed', size: 1, ...input })).data);
  const shown = (values: number[], digits: number): string => `(${values.map((v) => v.toFixed(digits).replace('-', '−')).join(', ')})`;

  it('mean/std are in range units and in tensor channel order after the BGR swap', () => {
    const imagenet = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], range: [0, 1] };
    const rgb = tensorOf({ ...imagenet, channel_order: 'RGB' });
    expect(DOC).toContain(`= ${shown(rgb, 4)}`);
    // The same normalization in 0-255 units gives the same tensor.
    const rgb255 = tensorOf({ mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], range: [0, 255] });
    rgb255.forEach((v, i) => expect(v).toBeCloseTo(rgb[i] as number, 5));
    const paddle = tensorOf({ ...imagenet, channel_order: 'BGR' });
    expect(DOC).toContain(`= ${shown(paddle, 4)}`);
    expect(paddle[0]).toBeCloseTo((50 / 255 - 0.485) / 0.229, 5);
    const caffe = tensorOf({ mean: [103.939, 116.779, 123.68], range: [0, 255], channel_order: 'BGR' });
    expect(DOC).toContain(`= ${shown(caffe, 3).replace('76.320', '76.32')}`);
  });

  it('keep-aspect, longest-side-pad and shortest-side-center-crop sizes', () => {
    expect(keepAspectSize(3000, 4000, 960, 32)).toEqual([704, 960]);
    expect(keepAspectSize(427, 640, 960, 32)).toEqual([416, 640]);
    expect(keepAspectSize(10, 20, 960, 32)).toEqual([32, 32]);
    expect(DOC).toContain('tensor 704×960');
    const geometry = (h: number, w: number, policy: string, size: number) =>
      imageToTensor({ width: w, height: h, data: new Uint8Array(w * h * 3) }, InputSpec.parse({ tensor: 'x', policy, size })).geometry;
    expect(geometry(1500, 2250, 'longest-side-pad', 1024)).toMatchObject({
      height: 1024,
      width: 1024,
      contentHeight: 683,
      contentWidth: 1024,
    });
    expect(DOC).toContain('content 683×1024 in a 1024×1024 tensor');
    expect(geometry(480, 640, 'shortest-side-center-crop', 336)).toMatchObject({
      height: 336,
      width: 336,
      contentHeight: 336,
      contentWidth: 448,
      cropTop: 0,
      cropLeft: 56,
    });
    expect(DOC).toContain('resized 336×448, crop offset (0, 56)');
  });
});

describe('the PaddleOCR example against the real PP-OCRv4 detector', () => {
  it.skipIf(!existsSync(PPOCR_DET))('passes the tensor check models add runs', async () => {
    const block = docBlocks.find((b) => /kind: probability-map/.test(b.text)) as Block;
    const manifest = await load(block);
    expect(manifest.files.model).toBe('ch_PP-OCRv4_det_infer.onnx');
    const session = await ort.InferenceSession.create(PPOCR_DET);
    try {
      const meta = (list: readonly ort.InferenceSession.ValueMetadata[]): TensorMeta[] =>
        list.map((m) =>
          m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] },
        );
      expect(modelProblems(manifest, meta(session.inputMetadata), meta(session.outputMetadata))).toEqual([]);
    } finally {
      await session.release();
    }
  });
});
