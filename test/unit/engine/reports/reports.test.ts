import { describe, expect, it } from 'vitest';
import { selectGallery } from '../../../../src/main/engine/reports/gallery';
import { groupedBarChart } from '../../../../src/main/engine/reports/svg';
import { texEscape } from '../../../../src/main/engine/reports/tables';
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
