import { describe, expect, it } from 'vitest';
import { selectGallery } from '../../../../src/main/engine/reports/gallery';
import { groupedBarChart } from '../../../../src/main/engine/reports/svg';
import { renderCsv, renderTex, texEscape } from '../../../../src/main/engine/reports/tables';
import { bestRows } from '../../../../src/main/engine/reports/format';
import { renderHtml } from '../../../../src/main/engine/reports/html';
import type { ReportModel } from '../../../../src/main/engine/reports/model';
import type { ReferringBlock, SemanticBlock } from '../../../../src/shared/api/methods/metrics';
import { heatmapValues } from '../../../../src/main/engine/reports/thumbnails';
import { reportPath } from '../../../../src/main/engine/reports/createReport';

const score = (sampleId: number, s: number | null) => ({
  sampleId,
  imageId: sampleId,
  fileName: `img_${sampleId}.png`,
  query: null,
  score: s,
});

describe('report pieces', () => {
  it('escapes every LaTeX special character in names', () => {
    expect(texEscape('a_b & c% $1 #2 {x} ~^\\')).toBe(
      'a\\_b \\& c\\% \\$1 \\#2 \\{x\\} \\textasciitilde{}\\textasciicircum{}\\textbackslash{}',
    );
  });

  it('draws an undefined IoU as a dash, never as a zero-width bar', () => {
    const svg = groupedBarChart([{ label: 'cat <3', values: [0.5, null] }], ['A', 'B']);
    expect(svg.match(/<rect x="130" y="\d+" width="[\d.]+" height="8"/g)).toHaveLength(1); // bars; legend swatches are 10 high
    expect(svg).toContain('>—</text>');
    expect(svg).toContain('cat &lt;3');
  });

  it('draws bar lengths in proportion to the value over the whole 0-100 axis, the value written after the bar', () => {
    // 640 wide: 130 for class names, 50 kept for the value text, 460 for the axis.
    const svg = groupedBarChart([{ label: 'cat', values: [0.9333, 0.9954, 1] }], ['A', 'B', 'C']);
    const widths = [...svg.matchAll(/<rect x="130" y="\d+" width="([\d.]+)" height="8"/g)].map((m) => Number(m[1]));
    expect(widths).toEqual([429.3, 457.9, 460]);
    expect(svg).toContain(`<text x="593.0" y="48" fill="#333">100.0</text>`); // 130 + 460 + 3, within the 640
  });

  it("says next to the scores that a CAM run's ignore band is left out of them", () => {
    const model = reportModel('semantic', [
      { name: 'cam <3b>', semantic: semantic(0.9956, [0.99, 1]) },
      { name: 'plain', semantic: semantic(0.9, [0.9, 0.9]) },
    ]);
    model.runs[0] = {
      ...model.runs[0]!,
      source: 'model',
      provenance: { pseudoLabel: { rule: 'toco-cam_to_label-ignore_mid', bgThreshold: 0.5, high: 0.7, low: 0.25, ignoreIndex: 255 } },
    };
    const html = renderHtml(model, new Map());
    const notes = [...html.matchAll(/<p class="warning" data-note="ignore-band">(.*?)<\/p>/g)].map((m) => m[1]);
    expect(notes).toEqual([
      'Run cam &lt;3b&gt;: Scored without its ignore band: pseudo-label pixels in it (CAM between 0.25 and 0.7, value 255) are left out, so these scores count fewer pixels than the CAM threshold sweep, which labels every pixel.',
    ]);
    // Right under the scores table.
    expect(html.indexOf('data-note="ignore-band"')).toBeGreaterThan(html.indexOf('data-table="scores"'));
    expect(html.indexOf('data-note="ignore-band"')).toBeLessThan(html.indexOf('Scores in %'));
  });

  it('picks best, worst and most changed images, ties broken by name', () => {
    const a = [score(1, 0.9), score(2, 0.1), score(3, 0.5), score(4, null)];
    const b = [score(1, 0.9), score(2, 0.8), score(3, 0.5), score(4, 0.2)];
    const [best, worst, changed] = selectGallery([a, b], 2);
    expect(best!.items.map((i) => i.sampleId)).toEqual([1, 3]);
    expect(worst!.items.map((i) => i.sampleId)).toEqual([2, 3]);
    expect(changed!.items.map((i) => i.sampleId)).toEqual([2]);
  });

  it('decodes float16 heatmaps (1, 0.5, -2, 65504, a subnormal)', () => {
    const halves = new Uint16Array([0x3c00, 0x3800, 0xc000, 0x7bff, 0x0001]);
    const values = heatmapValues({ name: 'cam', shape: [5], dtype: 'float16', data: new Uint8Array(halves.buffer), meta: {} });
    expect([...values]).toEqual([1, 0.5, -2, 65504, Math.fround(2 ** -24)]);
  });

  it('refuses an output file whose extension is not the format', () => {
    expect(() => reportPath({ datasetId: 1, runIds: [1], seed: 1, format: 'pdf', out: '/tmp/r.html' }, 'd', '/ws')).toThrow(
      'does not match the report format "pdf"',
    );
    expect(reportPath({ datasetId: 1, runIds: [1], seed: 1, format: 'csv' }, 'my data/set', '/ws')).toMatch(
      /^\/ws\/reports\/my_data_set-.*\.csv$/,
    );
  });
});

/** A report model of hand-made scores (no store): two or three runs, one dataset. */
function reportModel(
  task: 'semantic' | 'referring',
  runs: Array<{ name: string; semantic?: SemanticBlock; referring?: ReferringBlock }>,
): ReportModel {
  return {
    toolVersion: '0.0.0-test',
    generatedAt: '2026-01-01T00:00:00.000Z',
    dataset: { id: 1, name: 'd', task, format: 'folder', images: 4, hash: 'h'.repeat(64) },
    subset: null,
    seed: 1,
    classes: [],
    definitions: [],
    runs: runs.map((r, i) => ({
      id: i + 1,
      name: r.name,
      source: 'import',
      modelHash: null,
      executionProvider: null,
      provenance: {},
      withoutFile: 0,
      scores: {
        dataset: 'd',
        run: r.name,
        images: 4,
        semantic: r.semantic ?? null,
        referring: r.referring ?? null,
        definitions: [],
        datasetId: 1,
        runId: i + 1,
        subset: null,
        unpredicted: 0,
      },
      subsets: [],
      corrections: null,
    })),
    comparisons: [],
    gallery: [],
  };
}

const referring = (giou: number, precision: number[]): ReferringBlock => ({
  giou,
  ciou: giou,
  pairs: 5,
  precision: Object.fromEntries(['0.5', '0.6', '0.7', '0.8', '0.9'].map((t, k) => [t, precision[k]!])),
});

const semantic = (miou: number, ious: Array<number | null>): SemanticBlock => ({
  miou,
  miou_gt_classes: miou,
  pixel_acc: 0.9,
  mean_acc: miou,
  fwiou: miou,
  per_class: ious.map((iou, id) => ({ id, name: `c${id}`, iou, acc: iou })),
});

/** The cells of a TeX table row starting with `name &`. */
const texRow = (tex: string, name: string, nth = 0): string[] =>
  [...tex.matchAll(new RegExp(`^${name} & (.*) \\\\\\\\$`, 'gm'))][nth]![1]!.split(' & ');

/** The <td> cells (class attribute and text) of the HTML table row whose first cell is `name`. */
function htmlRow(html: string, table: string, first: string): Array<{ best: boolean; text: string }> {
  const body = html.match(new RegExp(`<table data-table="${table}">(.*?)</table>`))![1]!;
  const row = body.split('<tr>').find((r) => r.startsWith(`<td>${first}</td>`) || r.includes(`<td>${first}</td>`))!;
  return [...row.matchAll(/<td class="num( best)?">([^<]*)<\/td>/g)].map((m) => ({ best: m[1] !== undefined, text: m[2]! }));
}

describe('report tables: every run tied for best is marked', () => {
  // rp1 and rp2 tie on P@0.5 (0.8); rp2 is best alone elsewhere, rp3 is worse everywhere.
  const runs = [
    { name: 'rp1', referring: referring(0.61, [0.8, 0.6, 0.4, 0.2, 0.2]) },
    { name: 'rp2', referring: referring(0.74, [0.8, 0.8, 0.8, 0.8, 0.6]) },
    { name: 'rp3', referring: referring(0.5, [0.6, 0.4, 0.2, 0.2, 0.0]) },
  ];

  it('bolds both runs that tie in the LaTeX summary table, and only them', () => {
    const tex = renderTex(reportModel('referring', runs));
    // gIoU, cIoU, P@0.5 .. P@0.9
    expect(texRow(tex, 'rp1')).toEqual(['61.0', '61.0', '\\textbf{80.0}', '60.0', '40.0', '20.0', '20.0']);
    expect(texRow(tex, 'rp2')).toEqual([
      '\\textbf{74.0}',
      '\\textbf{74.0}',
      '\\textbf{80.0}',
      '\\textbf{80.0}',
      '\\textbf{80.0}',
      '\\textbf{80.0}',
      '\\textbf{60.0}',
    ]);
    expect(texRow(tex, 'rp3')).toEqual(['50.0', '50.0', '60.0', '40.0', '20.0', '20.0', '0.0']);
  });

  it('marks both runs that tie in the HTML summary table', () => {
    const html = renderHtml(reportModel('referring', runs), new Map());
    const best = (name: string) =>
      htmlRow(html, 'scores', name)
        .slice(1)
        .map((c) => c.best); // after Images
    expect(best('rp1')).toEqual([false, false, true, false, false, false, false]);
    expect(best('rp2')).toEqual([true, true, true, true, true, true, true]);
    expect(best('rp3')).toEqual([false, false, false, false, false, false, false]);
  });

  it('marks ties in the per-class tables (LaTeX and HTML), and values equal as printed', () => {
    // class 1: exact tie; class 2: 0.41234 vs 0.41 print as 41.2 / 41.0 in TeX (only A) and
    // 41.23 / 41.00 in HTML; class 3: 0.3004 vs 0.3001 print as 30.0 in TeX (both), 30.04 / 30.01 in HTML (A).
    const model = reportModel('semantic', [
      { name: 'A', semantic: semantic(0.5, [0.9, 0.5, 0.41234, 0.3004]) },
      { name: 'B', semantic: semantic(0.5, [0.8, 0.5, 0.41, 0.3001]) },
    ]);
    const tex = renderTex(model);
    expect(texRow(tex, 'A')[0]).toBe('\\textbf{50.0}'); // summary mIoU: a tie
    expect(texRow(tex, 'B')[0]).toBe('\\textbf{50.0}');
    expect(texRow(tex, 'c0')).toEqual(['\\textbf{90.0}', '80.0']);
    expect(texRow(tex, 'c1')).toEqual(['\\textbf{50.0}', '\\textbf{50.0}']);
    expect(texRow(tex, 'c2')).toEqual(['\\textbf{41.2}', '41.0']);
    expect(texRow(tex, 'c3')).toEqual(['\\textbf{30.0}', '\\textbf{30.0}']);

    const html = renderHtml(model, new Map());
    // Per class: id, then IoU and Acc per run; only IoU cells are marked.
    const marks = (name: string) =>
      htmlRow(html, 'per-class', name)
        .slice(1)
        .filter((_, k) => k % 2 === 0)
        .map((c) => (c.best ? `*${c.text}` : c.text));
    expect(marks('c0')).toEqual(['*90.00', '80.00']);
    expect(marks('c1')).toEqual(['*50.00', '*50.00']);
    expect(marks('c2')).toEqual(['*41.23', '41.00']);
    expect(marks('c3')).toEqual(['*30.04', '30.01']);
  });

  it('bestRows: every row equal to the best as printed; none when nothing is defined', () => {
    expect([...bestRows([0.5, null, 0.5, 0.4], 1)]).toEqual([0, 2]);
    expect([...bestRows([0.12344, 0.12341], 2)]).toEqual([0, 1]);
    expect([...bestRows([0.12344, 0.12341], 3)]).toEqual([0]);
    expect([...bestRows([null, null], 1)]).toEqual([]);
  });
});

describe('report tables: runs scored over different images', () => {
  it("the LaTeX summary gains an Images column and says why only when the runs' image counts differ", () => {
    const same = reportModel('semantic', [
      { name: 'A', semantic: semantic(0.5, [0.5]) },
      { name: 'B', semantic: semantic(0.6, [0.6]) },
    ]);
    const tex = renderTex(same);
    expect(tex).toContain('Method & mIoU');
    expect(tex).not.toContain('different images');
    expect(texRow(tex, 'A')[0]).toBe('50.0');
    // B started on a tagged subset: 2 of the 4 images.
    const subset = { ...same, runs: same.runs.map((r, i) => (i === 1 ? { ...r, scores: { ...r.scores, images: 2 } } : r)) };
    const both = renderTex(subset);
    expect(both).toContain('\\begin{tabular}{lr');
    expect(both).toContain('Method & Images & mIoU');
    expect(texRow(both, 'A').slice(0, 2)).toEqual(['4', '50.0']);
    expect(texRow(both, 'B').slice(0, 2)).toEqual(['2', '\\textbf{60.0}']);
    expect(both).toContain('the runs are scored over different images (column Images');
  });
});

describe('report tables: every precision threshold the JSON carries', () => {
  const runs = [
    { name: 'rp1', referring: referring(0.61, [0.8, 0.6, 0.4, 0.2, 0.1]) },
    { name: 'rp2', referring: referring(0.74, [0.8, 0.7, 0.5, 0.3, 0.0]) },
  ];
  const model = reportModel('referring', runs);

  it('LaTeX and HTML have a column for P@0.5, 0.6, 0.7, 0.8 and 0.9', () => {
    const tex = renderTex(model);
    expect(tex).toContain('Method & gIoU & cIoU & P@0.5 & P@0.6 & P@0.7 & P@0.8 & P@0.9 \\\\');
    expect(texRow(tex, 'rp1').slice(2)).toEqual(['\\textbf{80.0}', '60.0', '40.0', '20.0', '\\textbf{10.0}']);
    const html = renderHtml(model, new Map());
    for (const t of ['0.5', '0.6', '0.7', '0.8', '0.9']) expect(html).toContain(`title="lisa-precision">P@${t}</th>`);
    expect(htmlRow(html, 'scores', 'rp2').map((c) => c.text)).toEqual(['4', '74.00', '74.00', '80.00', '70.00', '50.00', '30.00', '0.00']);
  });

  it('CSV has a row for every precision value of the JSON', () => {
    const [header, ...lines] = renderCsv(model)
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const col = (name: string): number => header!.indexOf(name);
    for (const r of runs) {
      for (const [t, value] of Object.entries(r.referring.precision)) {
        const row = lines.find((c) => c[col('run')] === r.name && c[col('metric')] === `precision@${t}`);
        expect(row, `${r.name} precision@${t}`).toBeDefined();
        expect(row![col('section')]).toBe('scores');
        expect(row![col('definition')]).toBe('lisa-precision');
        expect(Number(row![col('value')])).toBe(value);
      }
    }
  });
});
