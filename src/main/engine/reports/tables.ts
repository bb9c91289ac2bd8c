/**
 * The flat formats: CSV (long format, one value per row, every row self-describing so it survives
 * filtering in pandas or a spreadsheet) and a LaTeX booktabs table ready to paste into a paper.
 */
import { classesInGroundTruth } from '../../../shared/domain/classPresence';
import { bestRows, metricColumns, pct, shownText } from './format';
import type { ReportModel, ReportRun } from './model';

/**
 * One CSV cell. User text (run, dataset, class and tag names) follows OWASP's rule against CSV
 * injection: a cell starting with = + - @ tab or CR (or LF) gets a leading single quote, so no
 * spreadsheet reads it as a formula; a cell holding a quote, a separator (, ; tab) or a line break
 * is quoted. Numbers are written as numbers (a negative difference stays -0.01).
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r\n]/.test(value) ? `'${value}` : value;
  return /[",;\t\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const CSV_HEADER = [
  'dataset',
  'dataset_hash',
  'subset',
  'run',
  'model_hash',
  'execution_provider',
  'tool_version',
  'metric',
  'definition',
  'class_id',
  'class_name',
  'value',
];

/** Values are fractions in [0, 1] (not %), undefined ones empty. */
export function renderCsv(model: ReportModel): string {
  const lines = [CSV_HEADER.join(',')];
  const row = (
    run: ReportRun,
    subset: string | null,
    metric: string,
    definition: string,
    classId: number | null,
    className: string | null,
    value: number | null,
  ): void => {
    const cells = [
      model.dataset.name,
      model.dataset.hash,
      subset,
      run.name,
      run.modelHash,
      run.executionProvider,
      model.toolVersion,
      metric,
      definition,
      classId,
      className,
      value,
    ];
    lines.push(cells.map(csvCell).join(','));
  };
  const cols = metricColumns(model);
  // Only where some are missing: a run imported whole keeps the rows it always had.
  for (const run of model.runs)
    if (run.withoutFile > 0)
      row(run, model.subset, 'images_without_prediction_file', 'scored as all background', null, null, run.withoutFile);
  for (const run of model.runs) {
    const scoreSets = [{ name: model.subset, scores: run.scores }, ...run.subsets.map((s) => ({ name: s.name, scores: s.scores }))];
    for (const set of scoreSets) {
      row(run, set.name, 'images', '', null, null, set.scores.images);
      for (const c of cols) row(run, set.name, c.key, c.definition, null, null, c.value(set.scores));
      for (const p of set.scores.semantic?.per_class ?? []) {
        row(run, set.name, 'class_iou', 'mmseg-miou', p.id, p.name, p.iou);
        row(run, set.name, 'class_acc', 'mean-acc', p.id, p.name, p.acc);
      }
    }
  }
  for (const c of model.comparisons) {
    const run = model.runs.find((r) => r.name === c.runs[1])!;
    const tag = `${c.metric} difference vs ${c.runs[0]}`;
    row(run, c.subset, 'difference', tag, null, null, c.difference?.estimate ?? null);
    row(run, c.subset, 'difference_ci95_low', tag, null, null, c.difference?.low ?? null);
    row(run, c.subset, 'difference_ci95_high', tag, null, null, c.difference?.high ?? null);
    row(run, c.subset, 'image_wins', `${c.imageMetric} vs ${c.runs[0]}`, null, null, c.paired.wins);
    row(run, c.subset, 'image_ties', `${c.imageMetric} vs ${c.runs[0]}`, null, null, c.paired.ties);
    row(run, c.subset, 'image_losses', `${c.imageMetric} vs ${c.runs[0]}`, null, null, c.paired.losses);
    // Paired images without a per-image score: left out of the wins and of the bootstrap.
    row(run, c.subset, 'images_unscored', `${c.imageMetric} vs ${c.runs[0]}`, null, null, c.unscored.images);
  }
  return `${lines.join('\n')}\n`;
}

const TEX_TEXT: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '^': '\\textasciicircum{}',
  '~': '\\textasciitilde{}',
  '<': '\\textless{}',
  '>': '\\textgreater{}',
  '|': '\\textbar{}',
  '[': '{[}',
  ']': '{]}',
  '*': '{*}',
};

/**
 * Escapes user text (run, dataset, class and tag names) for LaTeX, in a table cell or a % comment:
 * shown as the HTML report shows it (format.ts shownText: line breaks and other control characters
 * become spaces, so a newline cannot end a comment or a blank line the paragraph; bidi controls,
 * which pdflatex cannot set, are dropped), and every special character is written as text, so no
 * control sequence (\input, \write18, ^^ escapes, active ~) can reach TeX. `[`, `]` and `*` go in
 * braces: a row's first cell follows the `\\` or `\midrule` ending the line before, and both look
 * past the line break for `*` or a `[dimen]` argument (a run "[-9cm] x" gave a 9 cm negative skip).
 */
export function texEscape(text: string): string {
  return shownText(text).replace(/[\\{}&%$#_^~<>|[\]*]/g, (c) => TEX_TEXT[c] ?? `\\${c}`);
}

/** Needs \usepackage{booktabs}. Scores in %, one decimal, best per column in bold (every run tied for it). */
export function renderTex(model: ReportModel): string {
  const cols = metricColumns(model);
  const best = cols.map((c) =>
    bestRows(
      model.runs.map((r) => c.value(r.scores)),
      1,
    ),
  );
  const cell = (v: number | null, bold: boolean): string => (v === null ? '--' : bold ? `\\textbf{${pct(v, 1)}}` : pct(v, 1));
  const lines = [
    `% Tessera ${texEscape(model.toolVersion)}; dataset ${texEscape(model.dataset.name)} sha256 ${texEscape(model.dataset.hash)}`,
    ...model.runs.map(
      (r) =>
        `% run ${texEscape(r.name)}: model ${texEscape(r.modelHash ?? 'n/a')}, execution provider ${texEscape(r.executionProvider ?? 'n/a')}`,
    ),
    ...model.runs
      .filter((r) => r.withoutFile > 0)
      .map((r) => `% run ${texEscape(r.name)}: ${r.withoutFile} images without a prediction file, scored as all background`),
    `% definitions: ${texEscape(model.definitions.map((d) => d.name).join(', '))}`,
    '\\begin{table}[t]',
    '\\centering',
    `\\begin{tabular}{l${'r'.repeat(cols.length)}}`,
    '\\toprule',
    `Method & ${cols.map((c) => texEscape(c.label)).join(' & ')} \\\\`,
    '\\midrule',
    ...model.runs.map((r, i) => `${texEscape(r.name)} & ${cols.map((c, k) => cell(c.value(r.scores), best[k]!.has(i))).join(' & ')} \\\\`),
    '\\bottomrule',
    '\\end{tabular}',
    `\\caption{Results on ${texEscape(model.dataset.name)}${model.subset === null ? '' : ` (subset ${texEscape(model.subset)})`}, in \\%. Definitions: ${cols
      .map((c) => `${texEscape(c.label)} = \\texttt{${texEscape(c.definition)}}`)
      .join(', ')}. Computed with Tessera ${texEscape(model.toolVersion)}.}`,
    '\\label{tab:results}',
    '\\end{table}',
  ];
  if (model.dataset.task === 'semantic') lines.push('', ...perClassTex(model));
  if (model.comparisons.length > 0) lines.push('', ...comparisonsTex(model));
  return `${lines.join('\n')}\n`;
}

/** The paired comparisons (docs/design.md §5.6) every format carries: B − A with its bootstrap interval, and per-image wins. */
function comparisonsTex(model: ReportModel): string[] {
  const signed = (v: number): string => `${v > 0 ? '+' : v < 0 ? '$-$' : ''}${pct(Math.abs(v), 1)}`;
  const first = model.comparisons[0]!;
  return [
    '\\begin{table}[t]',
    '\\centering',
    '\\small',
    '\\begin{tabular}{llrcr}',
    '\\toprule',
    'A & B & B $-$ A & 95\\% CI & Wins / ties / losses \\\\',
    '\\midrule',
    ...model.comparisons.map((c) => {
      const d = c.difference;
      const interval = d === null ? '--' : `[${signed(d.low)}, ${signed(d.high)}]`;
      return `${texEscape(c.runs[0])} & ${texEscape(c.runs[1])} & ${d === null ? '--' : signed(d.estimate)} & ${interval} & ${c.paired.wins} / ${c.paired.ties} / ${c.paired.losses} \\\\`;
    }),
    '\\bottomrule',
    '\\end{tabular}',
    `\\caption{Paired comparison on ${texEscape(model.dataset.name)}${model.subset === null ? '' : ` (subset ${texEscape(model.subset)})`}: difference of \\texttt{${texEscape(first.metric)}} (B $-$ A, points), percentile bootstrap over images (${first.bootstrapSamples} resamples, seed ${first.seed}); wins, ties and losses of B by per-image \\texttt{${texEscape(first.imageMetric)}}.}`,
    '\\label{tab:comparison}',
    '\\end{table}',
  ];
}

function perClassTex(model: ReportModel): string[] {
  const present = classesInGroundTruth(model.runs.map((r) => r.scores.semantic?.per_class));
  const classes = (model.runs[0]?.scores.semantic?.per_class ?? []).filter((c) => present.has(c.id));
  const best = classes.map((c) =>
    bestRows(
      model.runs.map((r) => r.scores.semantic?.per_class[c.id]?.iou ?? null),
      1,
    ),
  );
  return [
    '\\begin{table}[t]',
    '\\centering',
    '\\small',
    `\\begin{tabular}{l${'r'.repeat(model.runs.length)}}`,
    '\\toprule',
    `Class & ${model.runs.map((r) => texEscape(r.name)).join(' & ')} \\\\`,
    '\\midrule',
    ...classes.map((c, k) => {
      const values = model.runs.map((r, i) => {
        const v = r.scores.semantic?.per_class[c.id]?.iou ?? null;
        return v === null ? '--' : best[k]!.has(i) ? `\\textbf{${pct(v, 1)}}` : pct(v, 1);
      });
      return `${texEscape(c.name)} & ${values.join(' & ')} \\\\`;
    }),
    '\\bottomrule',
    '\\end{tabular}',
    `\\caption{Per-class IoU (\\%) on ${texEscape(model.dataset.name)}, classes with ground-truth pixels (their mean is \\texttt{toco-miou}; \\texttt{mmseg-miou} also averages classes only predicted).}`,
    '\\label{tab:per-class}',
    '\\end{table}',
  ];
}
