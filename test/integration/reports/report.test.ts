import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeMask } from '../../../src/main/engine/masks';
import { launchChromium } from '../../helpers/browser';
import { BIN, REPO, tessera } from '../../helpers/cli';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
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
} from '../metrics/helpers';
import { engineInternals } from '../../../src/main/engine/internals';

// Runs the BUILT CLI (node tools/build.mjs first).
const SIZE = { w: 48, h: 36 };
const CLASSES = 4;
let root: string;
let ws: string;
let cleanup: () => void;
let fx: SemanticFixture;
const preds: Record<string, Map<number, Uint8Array>> = {};
const artifacts = join(REPO, 'test-results', 'reports');

beforeAll(async () => {
  const t = tempDir('tessera-report-');
  cleanup = t.cleanup;
  root = t.dir;
  ws = join(root, 'ws');
  mkdirSync(artifacts, { recursive: true });
  const { engine, client } = openTestEngine(ws);
  const random = testRandom(31);
  const gts = Array.from({ length: 8 }, () => randomScene(random, SIZE.w, SIZE.h, CLASSES, false));
  gts[0]![0] = CLASSES - 1;
  fx = await importSemantic(client, engine, root, gts, SIZE, 'scenes');
  for (const [name, flip] of [
    ['base_run', 0.3],
    ['ours', 0.1],
  ] as const) {
    preds[name] = new Map(fx.samples.map((s) => [s.sampleId, noisyPrediction(random, s.gt, CLASSES, flip)]));
    addSemanticRun(engine, fx.datasetId, name, preds[name]!, SIZE);
  }
  // A CAM on every image of "ours": left dark, right bright (shape [1, 3, 4]).
  const ours = engineInternals(engine).repos.runs.byName(fx.datasetId, 'ours')!;
  const cam = new Float32Array([0, 0.2, 0.6, 1, 0, 0.2, 0.6, 1, 0, 0.2, 0.6, 1]);
  for (const s of fx.samples)
    engineInternals(engine).repos.predictions.saveHeatmap(ours.id, s.sampleId, {
      name: 'cam',
      shape: [1, 3, 4],
      dtype: 'float32',
      data: new Uint8Array(cam.buffer),
      meta: {},
    });
  await client.call('tags.apply', { tag: 'hard', imageIds: fx.samples.slice(0, 3).map((s) => s.imageId) });
  // Correct one image: its first region is erased.
  const region = engineInternals(engine).repos.annotations.currentForSample(fx.samples[1]!.sampleId)[0]!;
  engineInternals(engine).repos.annotations.addVersion({
    annotationId: region.annotationId,
    rle: encodeMask(new Uint8Array(SIZE.w * SIZE.h), SIZE.h, SIZE.w),
    area: 0,
    bbox: [0, 0, 0, 0],
    source: 'edit',
  });
  await engine.close();
});

afterAll(() => cleanup?.());

function report(ext: string, env: Record<string, string> = {}) {
  const out = join(root, `report.${ext}`);
  const r = tessera(['--workspace', ws, 'report', '--dataset', 'scenes', '--runs', 'base_run,ours', '--out', out], { env });
  return { ...r, out };
}

/** The current ground truth of every image (image 1 lost its first region's class to background). */
function currentPairs(run: string) {
  return fx.samples.map((s, i) => {
    if (i !== 1) return { gt: s.gt, pred: preds[run]!.get(s.sampleId)! };
    const first = [...new Set(s.gt)].filter((v) => v !== 0 && v !== 255).sort((a, b) => a - b)[0]!;
    return { gt: s.gt.map((v) => (v === first ? 0 : v)), pred: preds[run]!.get(s.sampleId)! };
  });
}

describe('tessera report', () => {
  it('.json holds scores that match a reference, hashes, definitions and before/after corrections', () => {
    const r = report('json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(r.out, 'utf8'));
    expect(m.toolVersion).toBe('0.1.0');
    expect(m.dataset.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(m.definitions.map((d: { name: string }) => d.name)).toEqual(['mmseg-miou', 'toco-miou', 'pixel-acc', 'mean-acc', 'fwiou']);
    expect(m.runs.map((x: { modelHash: string }) => x.modelHash)).toEqual(['sha-base_run', 'sha-ours']);
    expectClose(m.runs[1].scores.semantic.miou, naiveSemantic(currentPairs('ours'), CLASSES).miou, 'ours mIoU');
    expect(m.runs[0].subsets.map((s: { name: string }) => s.name)).toEqual(['hard']);
    expect(m.runs[0].corrections.correctedImages).toBe(1);
    const imported = fx.samples.map((s) => ({ gt: s.gt, pred: preds['base_run']!.get(s.sampleId)! }));
    expectClose(m.runs[0].corrections.before.semantic.miou, naiveSemantic(imported, CLASSES).miou, 'before');
    expectClose(m.runs[0].corrections.after.semantic.miou, naiveSemantic(currentPairs('base_run'), CLASSES).miou, 'after');
    expect(m.comparisons).toHaveLength(1);
    expect(m.comparisons[0].runs).toEqual(['base_run', 'ours']);
  });

  it('.csv is long-format with one self-describing value per row', () => {
    const r = report('csv');
    expect(r.code).toBe(0);
    const lines = readFileSync(r.out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'dataset,dataset_hash,subset,run,model_hash,execution_provider,tool_version,metric,definition,class_id,class_name,value,section',
    );
    // The columns keep their places; `section` came last.
    const row = lines.map((l) => l.split(',')).find((c) => c[3] === 'ours' && c[2] === '' && c[7] === 'miou' && c[12] === 'scores')!;
    expect(row[4]).toBe('sha-ours');
    expect(row[6]).toBe('0.1.0');
    expect(row[8]).toBe('mmseg-miou');
    expectClose(Number(row[11]), naiveSemantic(currentPairs('ours'), CLASSES).miou, 'csv mIoU');
    expect(lines.some((l) => l.includes(',difference_ci95_low,'))).toBe(true);
  });

  it('.tex is a booktabs table with escaped names and the best value in bold', () => {
    const r = report('tex');
    expect(r.code).toBe(0);
    const tex = readFileSync(r.out, 'utf8');
    for (const rule of ['\\toprule', '\\midrule', '\\bottomrule']) expect(tex).toContain(rule);
    const miou = naiveSemantic(currentPairs('ours'), CLASSES).miou!;
    expect(tex).toMatch(new RegExp(`^ours & \\\\textbf\\{${(miou * 100).toFixed(1)}\\}`, 'm'));
    expect(tex).toContain('base\\_run &');
    expect(tex).toContain('\\texttt{mmseg-miou}');
    // The paired comparison, as the JSON report has it (every format carries it: design §3.6).
    const json = JSON.parse(readFileSync(report('json').out, 'utf8')) as {
      comparisons: Array<{
        a: number;
        b: number;
        difference: { estimate: number; low: number; high: number };
        paired: { wins: number; ties: number; losses: number; meanDiff: number };
      }>;
    };
    const c = json.comparisons[0]!;
    const signed = (v: number): string => `${v > 0 ? '+' : v < 0 ? '$-$' : ''}${(Math.abs(v) * 100).toFixed(1)}`;
    expect(tex).toContain(
      `base\\_run & ours & ${(c.a * 100).toFixed(1)} & ${(c.b * 100).toFixed(1)} & ${signed(c.difference.estimate)} & [${signed(c.difference.low)}, ${signed(c.difference.high)}] & ${signed(c.paired.meanDiff)} & ${c.paired.wins} / ${c.paired.ties} / ${c.paired.losses} \\\\`,
    );
    expect(tex).toMatch(/\\caption\{Paired comparison on .*1000 resamples, seed 1\)/);
    expect(tex).toMatch(/\\caption\{Per-class IoU \(\\%\) on .*, classes with ground-truth pixels \(their mean is \\texttt\{toco-miou\}/);
  });

  it('.html is self-contained, with charts, thumbnails whose pixels are the classes, and the provenance', async () => {
    const r = report('html');
    expect(r.code).toBe(0);
    const html = readFileSync(r.out, 'utf8');
    expect(html).not.toMatch(/<script|src="http|href="http|<link/);
    expect(html).toContain('<svg');
    for (const text of [
      'mmseg-miou',
      'toco-miou',
      'sha-ours',
      'Tessera 0.1.0',
      'Best images',
      'Worst images',
      'Most changed',
      'better: cam'.replace('better', 'ours'),
    ]) {
      expect(html).toContain(text);
    }
    // Every grid row: image, GT, two runs and the CAM.
    const uris = [...html.matchAll(/src="data:image\/png;base64,([^"]+)"/g)].map((m) => m[1]!);
    expect(uris.length % 5).toBe(0);
    expect(uris.length).toBeGreaterThanOrEqual(15);
    // The CAM thumbnail: dark blue on the left, dark red on the right (jet ramp of 0 .. 1).
    const cam = await sharp(Buffer.from(uris[4]!, 'base64')).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number): number[] => [
      ...cam.data.subarray(
        (Math.floor(cam.info.height / 2) * cam.info.width + x) * cam.info.channels,
        (Math.floor(cam.info.height / 2) * cam.info.width + x) * cam.info.channels + 3,
      ),
    ];
    expect(px(1)[2]).toBeGreaterThan(px(1)[0]!);
    expect(px(cam.info.width - 2)[0]).toBeGreaterThan(px(cam.info.width - 2)[2]!);
  });

  it('.pdf is the HTML printed by Chromium: a PDF whose pages Chromium renders', async () => {
    const r = report('pdf');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const bytes = readFileSync(r.out);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pages = bytes.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? [];
    expect(pages.length).toBeGreaterThanOrEqual(2);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
      await page.goto(`file://${r.out}`);
      // Chromium's own PDF viewer renders page 1: wait until the orange bars of the per-class chart
      // (the second run's colour, #e0813a) show up in the screenshot.
      const orangePixels = async (): Promise<number> => {
        const shot = await page.screenshot({ path: join(artifacts, 'report-pdf-page1.png') });
        const { data, info } = await sharp(shot).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        let n = 0;
        for (let i = 0; i < info.width * info.height * 3; i += 3) {
          if (Math.abs(data[i]! - 224) < 20 && Math.abs(data[i + 1]! - 129) < 20 && Math.abs(data[i + 2]! - 58) < 20) n++;
        }
        return n;
      };
      await expect.poll(orangePixels, { timeout: 20_000 }).toBeGreaterThan(100);
    } finally {
      await browser.close();
    }
  });

  it('Ctrl-C (SIGINT) while Chromium prints a PDF cancels the job as SIGTERM does: one line, exit 1, the job cancelled, no file (probe AE F6a)', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const gate = join(root, `pdf-gate-${signal}`);
      const out = join(root, `cancelled-${signal}.pdf`);
      const child = spawn(
        process.execPath,
        [BIN, '--workspace', ws, 'report', '--dataset', 'scenes', '--runs', 'base_run,ours', '--out', out],
        {
          cwd: REPO,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, TESSERA_WORKSPACE: '', TESSERA_TEST_GATE: `pdf:${gate}` },
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      // The browser is started (Playwright's signal handlers would be installed now) and the print is held.
      for (let i = 0; i < 1500 && !existsSync(`${gate}.waiting`); i++) await sleep(20);
      expect(existsSync(`${gate}.waiting`), signal).toBe(true);
      child.kill(signal);
      expect([await exited, stderr], signal).toEqual([1, 'error: cancelled by the user\n']);
      expect(existsSync(out), signal).toBe(false);
      const db = new Database(join(ws, 'tessera.db'), { readonly: true });
      try {
        const job = db
          .prepare("SELECT status FROM jobs WHERE kind = 'reports.create' AND params LIKE ? ORDER BY rowid DESC")
          .get(`%${out}%`);
        expect(job, signal).toEqual({ status: 'cancelled' });
      } finally {
        db.close();
      }
    }
  }, 120_000);

  it('--out naming a symbolic link writes the file it points at and leaves the link a link', () => {
    const target = join(root, 'kept', 'target.json');
    mkdirSync(join(root, 'kept'), { recursive: true });
    writeFileSync(target, 'old');
    const link = join(root, 'link.json');
    symlinkSync(target, link);
    const r = tessera(['--workspace', ws, 'report', '--dataset', 'scenes', '--runs', 'base_run,ours', '--out', link]);
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).comparisons[0].runs).toEqual(['base_run', 'ours']);
  });

  it('fails cleanly: no Chromium (exit 1, no file), unknown extension (exit 2)', () => {
    const r = report('pdf', { TESSERA_CHROMIUM: '/nonexistent/chromium' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "error: PDF reports need Chromium or Chrome: TESSERA_CHROMIUM=/nonexistent/chromium does not exist; set it to the browser's executable (e.g. TESSERA_CHROMIUM=/usr/bin/chromium), or write .html and print that\n",
    );
    const bad = tessera(['--workspace', ws, 'report', '--dataset', 'scenes', '--runs', 'ours', '--out', join(root, 'x.docx')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown report type');
    expect(existsSync(join(root, 'x.docx'))).toBe(false);
  });
});
