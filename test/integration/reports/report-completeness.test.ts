/**
 * Every format carries every score the JSON report has (docs/design.md §3.6): the corrections (each
 * score against the imported and the current ground truth), the paired comparison's mean per-image
 * difference and per-class wins, and every metric of every tag. Each number of the JSON is looked up
 * in the CSV (parsed as RFC 4180), the LaTeX and the HTML, printed as that format prints it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TesseraClient } from '../../../src/shared';
import type { Engine } from '../../../src/main/engine/engine';
import type { ReportModel } from '../../../src/main/engine/reports/model';
import type { EvalResult } from '../../../src/shared/api/methods/metrics';
import { encodeMask } from '../../../src/main/engine/masks';
import { engineInternals } from '../../../src/main/engine/internals';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { addReferringDataset, addSemanticRun, importSemantic, noisyPrediction, randomScene, testRandom } from '../metrics/helpers';

const SIZE = { w: 40, h: 30 };
const CLASSES = 5;
const SEMANTIC_KEYS = ['miou', 'miou_gt_classes', 'pixel_acc', 'mean_acc', 'fwiou'] as const;
const THRESHOLDS = ['0.5', '0.6', '0.7', '0.8', '0.9'] as const;

let t: ReturnType<typeof tempDir>;
let engine: Engine;
let client: TesseraClient;
let semanticId: number;
let semanticRuns: number[];
let referringId: number;
let referringRuns: number[];
let voidId: number;
let voidRuns: number[];

/** A second referring run, written as the run writers write one (no region for an empty prediction). */
function addReferringRun(name: string, datasetId: number, samples: Array<{ sampleId: number }>, preds: Uint8Array[]): number {
  const { repos } = engineInternals(engine);
  const runId = repos.runs.create({ datasetId, name, source: 'import', status: 'complete' });
  samples.forEach(({ sampleId }, i) => {
    const pred = preds[i]!;
    const area = pred.reduce((a, b) => a + b, 0);
    if (area > 0)
      repos.predictions.replaceForSample(runId, sampleId, [{ runId, sampleId, classIdx: 1, rle: encodeMask(pred, SIZE.h, SIZE.w), area }]);
  });
  return runId;
}

/** A mask of 1 inside the box. */
function box(x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const m = new Uint8Array(SIZE.w * SIZE.h);
  for (let y = y0; y < y1; y++) m.fill(1, y * SIZE.w + x0, y * SIZE.w + x1);
  return m;
}

beforeAll(async () => {
  t = tempDir('tessera-report-complete-');
  ({ engine, client } = openTestEngine(join(t.dir, 'ws')));
  const random = testRandom(2027);

  // Semantic: 10 images, three runs (names TeX and HTML must escape), a tag on 4 images, one image corrected.
  const gts = Array.from({ length: 10 }, (_, i) => randomScene(random, SIZE.w, SIZE.h, CLASSES, i % 3 === 0));
  const fx = await importSemantic(client, engine, t.dir, gts, SIZE, 'sem_scenes');
  semanticId = fx.datasetId;
  semanticRuns = (
    [
      ['base_run', 0.25],
      ['ours & co', 0.2],
      ['<b>x</b>', 0.3],
    ] as const
  ).map(([name, flip]) =>
    addSemanticRun(
      engine,
      fx.datasetId,
      name,
      new Map(fx.samples.map((s) => [s.sampleId, noisyPrediction(random, s.gt, CLASSES, flip)])),
      SIZE,
    ),
  );
  await client.call('tags.apply', { tag: 'hard_one', imageIds: fx.samples.slice(0, 4).map((s) => s.imageId) });
  const region = engineInternals(engine).repos.annotations.currentForSample(fx.samples[2]!.sampleId)[0]!;
  engineInternals(engine).repos.annotations.addVersion({
    annotationId: region.annotationId,
    rle: encodeMask(new Uint8Array(SIZE.w * SIZE.h), SIZE.h, SIZE.w),
    area: 0,
    bbox: [0, 0, 0, 0],
    source: 'edit',
  });

  // Referring: 8 queries, two runs, a tag on 3 images, one query's target corrected.
  const pairs = Array.from({ length: 8 }, (_, i) => ({
    query: `thing ${i}`,
    gt: i % 4 === 3 ? new Uint8Array(SIZE.w * SIZE.h) : box(2 + i, 3, 14 + 2 * i, 12 + i),
    pred: i % 4 === 3 ? box(0, 0, 2, 2) : box(3 + i, 4, 13 + 2 * i, 12 + i),
  }));
  const ref = addReferringDataset(engine, 'ref_set', pairs, SIZE);
  referringId = ref.datasetId;
  referringRuns = [
    ref.runId,
    addReferringRun(
      'second%run',
      ref.datasetId,
      ref.samples,
      pairs.map((p, i) => (i % 2 === 0 ? p.gt : box(1, 1, 6 + i, 9))),
    ),
  ];
  await client.call('tags.apply', { tag: 'first_three', imageIds: ref.samples.slice(0, 3).map((s) => s.imageId) });
  const edited = ref.samples[1]!;
  const n = 4 * 3;
  await client.call('annotations.applyEdit', {
    imageId: edited.imageId,
    sampleId: edited.sampleId,
    baseRevision: (await client.call('annotations.get', { imageId: edited.imageId, sampleId: edited.sampleId })).revision,
    patch: { x: 30, y: 20, w: 4, h: 3, before: new Array<number>(n).fill(0), after: new Array<number>(n).fill(1) },
  });

  // Item 4: a tag whose images are all ignore (255) in ground truth; one other image has classes.
  const voidGts = [
    randomScene(random, SIZE.w, SIZE.h, 3, false),
    new Uint8Array(SIZE.w * SIZE.h).fill(255),
    new Uint8Array(SIZE.w * SIZE.h).fill(255),
  ];
  voidGts[0]!.fill(2, 0, 40);
  voidGts[0]![41] = 1;
  const vx = await importSemantic(client, engine, t.dir, voidGts, SIZE, 'voids');
  voidId = vx.datasetId;
  voidRuns = ['va', 'vb'].map((name) =>
    addSemanticRun(engine, vx.datasetId, name, new Map(vx.samples.map((s) => [s.sampleId, noisyPrediction(random, s.gt, 3, 0.3)])), SIZE),
  );
  await client.call('tags.apply', { tag: 'all_void', imageIds: vx.samples.slice(1).map((s) => s.imageId) });
});

afterAll(async () => {
  await engine?.close();
  t?.cleanup();
});

async function report(datasetId: number, runIds: number[], format: 'json' | 'csv' | 'tex' | 'html', subset?: string): Promise<string> {
  const out = join(t.dir, `r-${datasetId}-${subset ?? 'all'}.${format}`);
  const done = await finishJob(client, () =>
    client.call('reports.create', { datasetId, runIds, format, out, ...(subset === undefined ? {} : { subset }) }),
  );
  expect(done.error, format).toBeNull();
  return readFileSync(out, 'utf8');
}

/** RFC 4180 reader: cells may be quoted, with "" for a quote, and hold separators and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  return rows;
}

/** The CSV as records keyed by section, subset, run, metric and class id; every row has the header's columns and a unique key. */
function csvRecords(text: string): Map<string, string> {
  const [header, ...rows] = parseCsv(text);
  expect(header).toContain('section');
  const col = (name: string): number => header!.indexOf(name);
  const out = new Map<string, string>();
  for (const r of rows) {
    expect(r).toHaveLength(header!.length);
    const key = csvKey(r[col('section')]!, r[col('subset')]!, r[col('run')]!, r[col('metric')]!, r[col('class_id')]!);
    expect(out.has(key), `duplicate CSV row ${key}`).toBe(false);
    out.set(key, r[col('value')]!);
  }
  return out;
}

const csvKey = (section: string, subset: string | null, run: string, metric: string, classId: number | string = ''): string =>
  [section, subset ?? '', run, metric, String(classId)].join('|');

/** A CSV value as the JSON's number (empty: null). */
const csvNumber = (v: string | undefined): number | null | undefined => (v === undefined ? undefined : v === '' ? null : Number(v));

/** LaTeX: % with one decimal, `--` when undefined; a difference signed, minus in math. */
const tex1 = (v: number | null): string => (v === null ? '--' : (v * 100).toFixed(1));
const texSigned = (v: number | null): string =>
  v === null ? '--' : `${v > 0 ? '+' : v < 0 ? '$-$' : ''}${(Math.abs(v) * 100).toFixed(1)}`;
/** HTML: % with two decimals, an em dash when undefined. */
const html2 = (v: number | null): string => (v === null ? '—' : (v * 100).toFixed(2));

/** The LaTeX of the names used here (_ & % < >), written out by hand. */
const texName = (s: string): string => s.replace(/[_&%<>]/g, (c) => ({ '<': '\\textless{}', '>': '\\textgreater{}' })[c] ?? `\\${c}`);

/** The body rows (after the header's \midrule) of the LaTeX table labelled `label`, as cells with \textbf dropped. */
function texTable(tex: string, label: string): string[][] | null {
  const chunk = tex.split('\\begin{table}').find((c) => c.includes(`\\label{tab:${label}}`));
  if (chunk === undefined) return null;
  const lines = chunk.split('\n');
  const body = lines.slice(lines.indexOf('\\midrule') + 1, lines.indexOf('\\bottomrule')).filter((l) => l !== '\\midrule');
  return body.map((l) =>
    l
      .replace(/ \\\\$/, '')
      .split(/(?<!\\)&/)
      .map((c) => c.trim().replace(/^\\textbf\{(.*)\}$/, '$1')),
  );
}

const unescapeHtml = (s: string): string =>
  s.replace(/&(lt|gt|quot|#39|amp);/g, (_, x: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[x]!);

/** The rows (header first) of the HTML table data-table=`name`, as text cells. */
function htmlTable(html: string, name: string): string[][] | null {
  const m = html.match(new RegExp(`<table data-table="${name}">(.*?)</table>`, 's'));
  if (m === null) return null;
  return [...m[1]!.matchAll(/<tr>(.*?)<\/tr>/gs)].map((tr) =>
    [...tr[1]!.matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/gs)].map((c) => unescapeHtml(c[1]!.replace(/<[^>]+>/g, ''))),
  );
}

/** The dataset-level scores of an eval object, in the report's column order. */
function scoresOf(task: 'semantic' | 'referring', e: Pick<EvalResult, 'semantic' | 'referring'>): Array<[string, number | null]> {
  if (task === 'semantic') return SEMANTIC_KEYS.map((k) => [k, e.semantic![k]]);
  const r = e.referring!;
  return [
    ['giou', r.giou],
    ['ciou', r.ciou],
    ...THRESHOLDS.map((th): [string, number | null] => [`precision@${th}`, r.precision[th] ?? null]),
  ];
}

type Task = 'semantic' | 'referring';

/** The JSON report of a dataset's runs, and the fixture checks every other test of it relies on. */
async function jsonReport(datasetId: number, runIds: number[]): Promise<ReportModel> {
  const json = JSON.parse(await report(datasetId, runIds, 'json')) as ReportModel;
  expect(json.runs.every((r) => r.corrections !== null && r.corrections.correctedImages === 1)).toBe(true);
  expect(json.runs[0]!.subsets).toHaveLength(1);
  expect(json.comparisons).toHaveLength(runIds.length - 1);
  for (const c of json.comparisons) expect(c.paired.meanDiff).not.toBeNull();
  // The correction changed the scores: before and after are not the same numbers.
  for (const r of json.runs)
    expect(scoresOf(json.dataset.task as Task, r.corrections!.before)).not.toEqual(
      scoresOf(json.dataset.task as Task, r.corrections!.after),
    );
  return json;
}

/** The classes of the per-class tables (ground truth in some run's images), and a check that no other class has a win. */
function classesWithGt(json: ReportModel): Array<{ id: number; name: string }> {
  const withGt = json.runs[0]!.scores.semantic!.per_class.filter((p) =>
    json.runs.some((r) => r.scores.semantic!.per_class[p.id]!.acc !== null),
  );
  for (const c of json.comparisons)
    for (const k of c.classes) if (!withGt.some((p) => p.id === k.id)) expect([k.bWins, k.aWins]).toEqual([0, 0]);
  // Both directions occur, so swapped columns would show.
  expect(json.comparisons.some((c) => c.classes.some((k) => k.bWins > 0 && k.aWins > 0))).toBe(true);
  return withGt;
}

async function checkCsv(datasetId: number, runIds: number[], task: Task): Promise<void> {
  const json = await jsonReport(datasetId, runIds);
  const csv = csvRecords(await report(datasetId, runIds, 'csv'));
  const value = (section: string, subset: string | null, run: string, metric: string, classId: number | string = '') =>
    csvNumber(csv.get(csvKey(section, subset, run, metric, classId)));
  for (const run of json.runs) {
    // Subsets: every metric of every run on every tag.
    for (const s of run.subsets) {
      expect(value('scores', s.name, run.name, 'images')).toBe(s.scores.images);
      for (const [k, v] of scoresOf(task, s.scores))
        expect(value('scores', s.name, run.name, k), `subset ${s.name} ${run.name} ${k}`).toBe(v);
    }
    // Corrections: the count, and every score (per class too) against the imported and the current ground truth.
    const c = run.corrections!;
    expect(value('corrections', c.subset, run.name, 'corrected_images')).toBe(c.correctedImages);
    for (const [section, side] of [
      ['corrections_before', c.before],
      ['corrections_after', c.after],
    ] as const) {
      expect(value(section, c.subset, run.name, 'images')).toBe(side.images);
      for (const [k, v] of scoresOf(task, side)) expect(value(section, c.subset, run.name, k), `${section} ${run.name} ${k}`).toBe(v);
      for (const p of side.semantic?.per_class ?? []) {
        expect(value(section, c.subset, run.name, 'class_iou', p.id)).toBe(p.iou);
        expect(value(section, c.subset, run.name, 'class_acc', p.id)).toBe(p.acc);
      }
    }
  }
  for (const c of json.comparisons) {
    const get = (metric: string, classId: number | string = '') => value('comparison', c.subset, c.runs[1], metric, classId);
    const d = c.difference!;
    expect(get('image_mean_diff')).toBe(c.paired.meanDiff);
    expect([get('paired_a'), get('paired_b'), get('images_paired')]).toEqual([c.a, c.b, c.images]);
    expect([get('difference'), get('difference_ci95_low'), get('difference_ci95_high')]).toEqual([d.estimate, d.low, d.high]);
    expect([get('image_wins'), get('image_ties'), get('image_losses'), get('images_unscored')]).toEqual([
      c.paired.wins,
      c.paired.ties,
      c.paired.losses,
      c.unscored.images,
    ]);
    expect(c.classes.length > 0).toBe(task === 'semantic');
    for (const k of c.classes) {
      expect(get('class_b_wins', k.id), `b wins ${k.name}`).toBe(k.bWins);
      expect(get('class_a_wins', k.id), `a wins ${k.name}`).toBe(k.aWins);
    }
  }
}

async function checkTex(datasetId: number, runIds: number[], task: Task): Promise<void> {
  const json = await jsonReport(datasetId, runIds);
  const tex = await report(datasetId, runIds, 'tex');
  const subsets = texTable(tex, 'subsets');
  expect(subsets, 'subset table').not.toBeNull();
  json.runs[0]!.subsets.forEach((tag, ti) =>
    json.runs.forEach((run, ri) => {
      const s = run.subsets[ti]!;
      expect(s.name).toBe(tag.name);
      expect(subsets![ti * json.runs.length + ri]).toEqual([
        ri === 0 ? texName(tag.name) : '',
        texName(run.name),
        String(s.scores.images),
        ...scoresOf(task, s.scores).map(([, v]) => tex1(v)),
      ]);
    }),
  );
  const corrections = texTable(tex, 'corrections');
  expect(corrections, 'corrections table').not.toBeNull();
  json.runs.forEach((run, ri) => {
    const c = run.corrections!;
    expect(corrections![2 * ri]).toEqual([
      texName(run.name),
      'imported',
      String(c.before.images),
      ...scoresOf(task, c.before).map(([, v]) => tex1(v)),
    ]);
    expect(corrections![2 * ri + 1]).toEqual(['', 'current', String(c.after.images), ...scoresOf(task, c.after).map(([, v]) => tex1(v))]);
  });
  // Every run has the same corrected image: the caption says it once.
  expect(tex).toMatch(/\\caption\{Ground-truth corrections on .*corrected \(ground truth differs from the imported version\): 1 image\./);
  const comparisons = texTable(tex, 'comparison')!;
  json.comparisons.forEach((c, ci) => {
    const d = c.difference!;
    expect(comparisons[ci]).toEqual([
      texName(c.runs[0]),
      texName(c.runs[1]),
      tex1(c.a),
      tex1(c.b),
      texSigned(d.estimate),
      `[${texSigned(d.low)}, ${texSigned(d.high)}]`,
      texSigned(c.paired.meanDiff),
      `${c.paired.wins} / ${c.paired.ties} / ${c.paired.losses}`,
    ]);
  });
  const wins = texTable(tex, 'class-wins');
  if (task === 'referring') {
    expect(wins).toBeNull();
    return;
  }
  const withGt = classesWithGt(json);
  expect(wins, 'per-class wins table').not.toBeNull();
  expect(wins!.map((r) => r[0])).toEqual(withGt.map((p) => texName(p.name)));
  withGt.forEach((p, row) => expect(wins![row]!.slice(1)).toEqual(winCells(json, p.id)));
}

async function checkHtml(datasetId: number, runIds: number[], task: Task): Promise<void> {
  const json = await jsonReport(datasetId, runIds);
  const html = await report(datasetId, runIds, 'html');
  const subsets = htmlTable(html, 'subsets')!;
  json.runs[0]!.subsets.forEach((tag, ti) =>
    json.runs.forEach((run, ri) => {
      const s = run.subsets[ti]!;
      expect(subsets[1 + ti * json.runs.length + ri]).toEqual([
        tag.name,
        run.name,
        String(s.scores.images),
        ...scoresOf(task, s.scores).map(([, v]) => html2(v)),
      ]);
    }),
  );
  const corrections = htmlTable(html, 'corrections')!;
  json.runs.forEach((run, ri) => {
    const c = run.corrections!;
    expect(corrections[1 + 2 * ri]).toEqual([
      run.name,
      String(c.correctedImages),
      'imported',
      String(c.before.images),
      ...scoresOf(task, c.before).map(([, v]) => html2(v)),
    ]);
    expect(corrections[2 + 2 * ri]).toEqual([
      run.name,
      String(c.correctedImages),
      'current',
      String(c.after.images),
      ...scoresOf(task, c.after).map(([, v]) => html2(v)),
    ]);
  });
  const comparisons = htmlTable(html, 'comparisons')!;
  json.comparisons.forEach((c, ci) => {
    const d = c.difference!;
    expect(comparisons[1 + ci]!.slice(0, 7)).toEqual([
      `${c.runs[1]} − ${c.runs[0]}`,
      c.metric,
      html2(c.a),
      html2(c.b),
      `${html2(d.estimate)} [${html2(d.low)}, ${html2(d.high)}]`,
      html2(c.paired.meanDiff),
      `${c.paired.wins} / ${c.paired.ties} / ${c.paired.losses}`,
    ]);
  });
  const wins = htmlTable(html, 'class-wins');
  if (task === 'referring') {
    expect(wins).toBeNull();
    return;
  }
  const withGt = classesWithGt(json);
  expect(wins, 'per-class wins table').not.toBeNull();
  expect(wins![0]).toEqual([
    'Id',
    'Class',
    ...json.comparisons.flatMap((c) => [`${c.runs[1]} beat ${c.runs[0]}`, `${c.runs[0]} beat ${c.runs[1]}`]),
  ]);
  expect(wins!.slice(1).map((r) => r.slice(0, 2))).toEqual(withGt.map((p) => [String(p.id), p.name]));
  withGt.forEach((p, row) => expect(wins![row + 1]!.slice(2)).toEqual(winCells(json, p.id)));
}

/** A class's per-comparison wins of B and of A, as the tables print them. */
function winCells(json: ReportModel, classId: number): string[] {
  return json.comparisons.flatMap((c) => {
    const k = c.classes.find((x) => x.id === classId)!;
    return [String(k.bWins), String(k.aWins)];
  });
}

describe('every report format carries every score of the JSON', () => {
  const cases = [
    ['semantic', () => [semanticId, semanticRuns] as const],
    ['referring', () => [referringId, referringRuns] as const],
  ] as const;
  for (const [task, of] of cases) {
    it(`${task}: CSV has a row for every correction score, tag score, mean per-image difference and per-class win`, async () => {
      const [id, runs] = of();
      await checkCsv(id, [...runs], task);
    });
    it(`${task}: LaTeX has tag, correction, comparison (with the mean per-image difference) and per-class win tables`, async () => {
      const [id, runs] = of();
      await checkTex(id, [...runs], task);
    });
    it(`${task}: HTML has every metric per tag and per correction, the mean per-image difference and per-class wins`, async () => {
      const [id, runs] = of();
      await checkHtml(id, [...runs], task);
    });
  }
});

describe('no class with ground truth in the compared images', () => {
  it('LaTeX prints one line instead of a per-class table without rows', async () => {
    const json = JSON.parse(await report(voidId, voidRuns, 'json', 'all_void')) as ReportModel;
    expect(json.runs.every((r) => r.scores.semantic!.per_class.every((p) => p.acc === null))).toBe(true);
    const tex = await report(voidId, voidRuns, 'tex', 'all_void');
    expect(tex).toContain(
      '\nPer-class IoU on voids (subset all\\_void): no class has ground-truth pixels in the compared images, so there is no per-class table.\n',
    );
    expect(texTable(tex, 'per-class')).toBeNull();
    expect(texTable(tex, 'class-wins')).toBeNull();
    // No table anywhere is a header without rows.
    for (const chunk of tex.split('\\begin{table}').slice(1)) {
      const label = chunk.match(/\\label\{tab:([^}]+)\}/)![1]!;
      expect(texTable(tex, label)!.length, label).toBeGreaterThan(0);
    }
    // Over the whole dataset (one image has classes) the per-class tables are there.
    const whole = await report(voidId, voidRuns, 'tex');
    expect(texTable(whole, 'per-class')!.length).toBeGreaterThan(0);
    expect(texTable(whole, 'class-wins')!.length).toBeGreaterThan(0);
    expect(whole).not.toContain('no class has ground-truth pixels');
  });

  it('HTML prints one line instead of a per-class chart and a table without rows', async () => {
    const html = await report(voidId, voidRuns, 'html', 'all_void');
    expect(htmlTable(html, 'per-class')).toBeNull();
    expect(htmlTable(html, 'class-wins')).toBeNull();
    expect(html).toContain(
      '<section><h2>Per class</h2><p data-empty="per-class">No class has ground-truth pixels in the compared images, so there is no per-class table.</p></section>',
    );
    // No table anywhere is a header without rows.
    for (const m of html.matchAll(/<table data-table="([a-z-]+)">/g)) expect(htmlTable(html, m[1]!)!.length, m[1]).toBeGreaterThan(1);
    const whole = await report(voidId, voidRuns, 'html');
    expect(htmlTable(whole, 'per-class')!.length).toBeGreaterThan(1);
    expect(whole).not.toContain('data-empty="per-class"');
  });
});
