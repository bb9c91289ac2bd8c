/**
 * The flat formats: CSV (long format, one value per row, every row self-describing so it survives
 * filtering in pandas or a spreadsheet) and LaTeX booktabs tables ready to paste into a paper.
 */
import { bestRows, groundTruthClasses, metricColumns, pct, shownText, type ScoreBlocks } from './format';
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
  // Last, so the columns before it keep the places they had before it was added.
  'section',
];

/**
 * What part of the report a CSV row belongs to (the `section` column): `scores` (a run's scores,
 * over the report's images or a tag's, with per-class IoU and accuracy), `corrections` (how many
 * images' ground truth was corrected), `corrections_before` / `corrections_after` (the run's scores
 * against the ground truth as imported / as corrected now: the JSON's runs[].corrections), and
 * `comparison` (each run against the first: the JSON's comparisons[]).
 */
export type CsvSection = 'scores' | 'corrections' | 'corrections_before' | 'corrections_after' | 'comparison';

/**
 * Values are fractions in [0, 1] (not %), undefined ones empty; counts are integers. Every row has
 * every column, so a CSV reader sees one table (filter on `section`, `subset` and `metric`).
 */
export function renderCsv(model: ReportModel): string {
  const lines = [CSV_HEADER.join(',')];
  const row = (
    run: ReportRun,
    subset: string | null,
    section: CsvSection,
    metric: string,
    definition: string,
    value: number | null,
    cls: { id: number; name: string } | null = null,
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
      cls?.id ?? null,
      cls?.name ?? null,
      value,
      section,
    ];
    lines.push(cells.map(csvCell).join(','));
  };
  const cols = metricColumns(model);
  /** An eval object's rows: image count, every dataset-level score, per class IoU and accuracy. */
  const scoreRows = (run: ReportRun, subset: string | null, section: CsvSection, scores: ScoreBlocks & { images: number }): void => {
    row(run, subset, section, 'images', '', scores.images);
    for (const c of cols) row(run, subset, section, c.key, c.definition, c.value(scores));
    for (const p of scores.semantic?.per_class ?? []) {
      row(run, subset, section, 'class_iou', 'mmseg-miou', p.iou, p);
      row(run, subset, section, 'class_acc', 'mean-acc', p.acc, p);
    }
  };
  // Only where some are missing: a run imported whole keeps the rows it always had.
  for (const run of model.runs)
    if (run.withoutFile > 0)
      row(run, model.subset, 'scores', 'images_without_prediction_file', 'scored as all background', run.withoutFile);
  for (const run of model.runs) {
    scoreRows(run, model.subset, 'scores', run.scores);
    for (const s of run.subsets) scoreRows(run, s.name, 'scores', s.scores);
  }
  for (const run of model.runs) {
    const c = run.corrections;
    if (c === null) continue;
    row(run, c.subset, 'corrections', 'corrected_images', 'ground truth differs from the imported version', c.correctedImages);
    scoreRows(run, c.subset, 'corrections_before', c.before);
    scoreRows(run, c.subset, 'corrections_after', c.after);
  }
  for (const c of model.comparisons) {
    const run = model.runs.find((r) => r.name === c.runs[1])!;
    const tag = `${c.metric} difference vs ${c.runs[0]}`;
    const images = `${c.imageMetric} vs ${c.runs[0]}`;
    row(run, c.subset, 'comparison', 'difference', tag, c.difference?.estimate ?? null);
    row(run, c.subset, 'comparison', 'difference_ci95_low', tag, c.difference?.low ?? null);
    row(run, c.subset, 'comparison', 'difference_ci95_high', tag, c.difference?.high ?? null);
    row(run, c.subset, 'comparison', 'image_wins', images, c.paired.wins);
    row(run, c.subset, 'comparison', 'image_ties', images, c.paired.ties);
    row(run, c.subset, 'comparison', 'image_losses', images, c.paired.losses);
    // Paired images without a per-image score: left out of the wins and of the bootstrap.
    row(run, c.subset, 'comparison', 'images_unscored', images, c.unscored.images);
    // The key says images for scripts that read it; on a referring dataset the unit is the query (`units`).
    row(run, c.subset, 'comparison', 'images_paired', `${units(c)} both ${c.runs[0]} and this run are scored on`, c.images);
    // The compared metric of each run over the paired images (a and b of the JSON).
    row(run, c.subset, 'comparison', 'paired_a', `${c.metric} of ${c.runs[0]} over the paired ${units(c)}`, c.a);
    row(run, c.subset, 'comparison', 'paired_b', `${c.metric} of this run over the paired ${units(c)}`, c.b);
    // Mean of the per-image differences (this run − the first) over the images both score.
    row(run, c.subset, 'comparison', 'image_mean_diff', images, c.paired.meanDiff);
    // The dataset's other metrics (cIoU beside gIoU), over the same paired images and resamples.
    // Their keys lead with the metric (lisa_ciou_difference, ...): one row per key and section.
    for (const m of c.otherMetrics) {
      const other = `${m.metric} difference vs ${c.runs[0]}`;
      const key = (name: string): string => `${m.metric.replace(/-/g, '_')}_${name}`;
      row(run, c.subset, 'comparison', key('difference'), other, m.difference?.estimate ?? null);
      row(run, c.subset, 'comparison', key('difference_ci95_low'), other, m.difference?.low ?? null);
      row(run, c.subset, 'comparison', key('difference_ci95_high'), other, m.difference?.high ?? null);
      row(run, c.subset, 'comparison', key('paired_a'), `${m.metric} of ${c.runs[0]} over the paired ${units(c)}`, m.a);
      row(run, c.subset, 'comparison', key('paired_b'), `${m.metric} of this run over the paired ${units(c)}`, m.b);
    }
    // Semantic: per class, images where this run's IoU for the class beat the first run's, and the reverse.
    for (const k of c.classes) {
      row(run, c.subset, 'comparison', 'class_b_wins', `class IoU per image vs ${c.runs[0]}`, k.bWins, k);
      row(run, c.subset, 'comparison', 'class_a_wins', `class IoU per image vs ${c.runs[0]}`, k.aWins, k);
    }
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
  // Runs scored over different images (a subset run beside a whole one) say so, as the HTML table's Images column does.
  const imagesColumn = new Set(model.runs.map((r) => r.scores.images)).size > 1;
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
    `\\begin{tabular}{l${imagesColumn ? 'r' : ''}${'r'.repeat(cols.length)}}`,
    '\\toprule',
    `Method${imagesColumn ? ' & Images' : ''} & ${cols.map((c) => texEscape(c.label)).join(' & ')} \\\\`,
    '\\midrule',
    ...model.runs.map(
      (r, i) =>
        `${texEscape(r.name)}${imagesColumn ? ` & ${r.scores.images}` : ''} & ${cols.map((c, k) => texScore(c.value(r.scores), best[k]!.has(i))).join(' & ')} \\\\`,
    ),
    '\\bottomrule',
    '\\end{tabular}',
    `\\caption{Results on ${texEscape(model.dataset.name)}${subsetNote(model)}, in \\%${imagesColumn ? '; the runs are scored over different images (column Images: a run started on a subset, or images without a prediction)' : ''}. Definitions: ${cols
      .map((c) => `${texEscape(c.label)} = \\texttt{${texEscape(c.definition)}}`)
      .join(', ')}. Computed with Tessera ${texEscape(model.toolVersion)}.}`,
    '\\label{tab:results}',
    '\\end{table}',
  ];
  if (model.dataset.task === 'semantic') lines.push('', ...perClassTex(model));
  if (model.comparisons.length > 0) lines.push('', ...comparisonsTex(model));
  if (model.dataset.task === 'semantic' && model.comparisons.length > 0 && groundTruthClasses(model).length > 0)
    lines.push('', ...classWinsTex(model));
  if ((model.runs[0]?.subsets.length ?? 0) > 0) lines.push('', ...subsetsTex(model));
  if (model.runs.some((r) => r.corrections !== null)) lines.push('', ...correctionsTex(model));
  return `${lines.join('\n')}\n`;
}

/** ` (subset T)` after the dataset's name in a caption, when the report is over a tag. */
function subsetNote(model: ReportModel): string {
  return model.subset === null ? '' : ` (subset ${texEscape(model.subset)})`;
}

/** A score cell: % with one decimal, `--` when undefined, in bold when marked best. */
function texScore(v: number | null, bold = false): string {
  return v === null ? '--' : bold ? `\\textbf{${pct(v, 1)}}` : pct(v, 1);
}

/** What a comparison pairs and resamples: images, or queries on a referring dataset. */
function unit(c: { unit: 'image' | 'query' }): string {
  return c.unit;
}
function units(c: { unit: 'image' | 'query' }): string {
  return c.unit === 'query' ? 'queries' : 'images';
}

/** A signed difference in points, one decimal; the sign of what is printed, so -0.0085 points reads 0.0, never $-$0.0. */
export function texSigned(v: number): string {
  const shown = pct(Math.abs(v), 1);
  const zero = Number(shown) === 0;
  return `${zero ? '' : v > 0 ? '+' : v < 0 ? '$-$' : ''}${shown}`;
}

/** Scores of every run on every tag (the JSON's runs[].subsets), every column; best per tag and column in bold. */
function subsetsTex(model: ReportModel): string[] {
  const cols = metricColumns(model);
  const names = model.runs[0]!.subsets.map((s) => s.name);
  const rows = names.flatMap((name, t) => {
    const scores = model.runs.map((r) => r.subsets[t]?.scores ?? null);
    const best = cols.map((c) =>
      bestRows(
        scores.map((s) => (s === null ? null : c.value(s))),
        1,
      ),
    );
    return [
      ...(t > 0 ? ['\\midrule'] : []),
      ...model.runs.map(
        (r, i) =>
          `${i === 0 ? texEscape(name) : ''} & ${texEscape(r.name)} & ${scores[i]?.images ?? '--'} & ${cols
            .map((c, k) => texScore(scores[i] ? c.value(scores[i]) : null, best[k]!.has(i)))
            .join(' & ')} \\\\`,
      ),
    ];
  });
  return scoreTableTex(
    ['Tag', 'Method'],
    cols,
    rows,
    `Results per tag on ${texEscape(model.dataset.name)}, in \\%: the images carrying the tag; best per tag and column in bold. Definitions as in Table~\\ref{tab:results}.`,
    'tab:subsets',
  );
}

/** Each corrected run against the ground truth as imported and as it is now (the JSON's runs[].corrections), every column. */
function correctionsTex(model: ReportModel): string[] {
  const cols = metricColumns(model);
  const runs = model.runs.filter((r) => r.corrections !== null);
  const rows = runs.flatMap((r, i) => {
    const c = r.corrections!;
    return [
      ...(i > 0 ? ['\\midrule'] : []),
      `${texEscape(r.name)} & imported & ${c.before.images} & ${cols.map((k) => texScore(k.value(c.before))).join(' & ')} \\\\`,
      ` & current & ${c.after.images} & ${cols.map((k) => texScore(k.value(c.after))).join(' & ')} \\\\`,
    ];
  });
  // The corrected images of each run (the same for runs scored on the same images: then said once).
  const counts = new Set(runs.map((r) => r.corrections!.correctedImages));
  const corrected =
    counts.size === 1
      ? `${[...counts][0]} image${[...counts][0] === 1 ? '' : 's'}`
      : runs.map((r) => `${texEscape(r.name)} ${r.corrections!.correctedImages}`).join(', ');
  return scoreTableTex(
    ['Method', 'GT'],
    cols,
    rows,
    `Ground-truth corrections on ${texEscape(model.dataset.name)}${subsetNote(model)}: each run scored against the ground truth (GT) as imported and as corrected now, in \\%; corrected (ground truth differs from the imported version): ${corrected}. Definitions as in Table~\\ref{tab:results}.`,
    'tab:corrections',
  );
}

/** A booktabs table of two label columns, an image count and every score column (the tag and corrections tables). */
function scoreTableTex(
  labels: [string, string],
  cols: ReturnType<typeof metricColumns>,
  rows: string[],
  caption: string,
  label: string,
): string[] {
  return [
    '\\begin{table}[t]',
    '\\centering',
    '\\small',
    '\\setlength{\\tabcolsep}{4pt}',
    `\\begin{tabular}{llr${'r'.repeat(cols.length)}}`,
    '\\toprule',
    `${labels.join(' & ')} & Images & ${cols.map((c) => texEscape(c.label)).join(' & ')} \\\\`,
    '\\midrule',
    ...rows,
    '\\bottomrule',
    '\\end{tabular}',
    `\\caption{${caption}}`,
    `\\label{${label}}`,
    '\\end{table}',
  ];
}

/** Per class (those with ground truth), images where B's IoU for the class beat A's and the reverse, per comparison. */
function classWinsTex(model: ReportModel): string[] {
  const classes = groundTruthClasses(model);
  const n = model.comparisons.length;
  return [
    '\\begin{table}[t]',
    '\\centering',
    '\\small',
    `\\begin{tabular}{l${'rr'.repeat(n)}}`,
    '\\toprule',
    ` & ${model.comparisons.map((c) => `\\multicolumn{2}{c}{${texEscape(c.runs[1])} vs ${texEscape(c.runs[0])}}`).join(' & ')} \\\\`,
    model.comparisons.map((_, i) => `\\cmidrule(lr){${2 + 2 * i}-${3 + 2 * i}}`).join(' '),
    `Class & ${model.comparisons.map(() => 'wins & losses').join(' & ')} \\\\`,
    '\\midrule',
    ...classes.map((k) => {
      const cells = model.comparisons.map((c) => {
        const w = c.classes.find((x) => x.id === k.id);
        return w === undefined ? '-- & --' : `${w.bWins} & ${w.aWins}`;
      });
      return `${texEscape(k.name)} & ${cells.join(' & ')} \\\\`;
    }),
    '\\bottomrule',
    '\\end{tabular}',
    `\\caption{Per-class wins on ${texEscape(model.dataset.name)}${subsetNote(model)}: for each pair B vs A, the paired images where B's IoU for the class is higher than A's (wins) and lower (losses), over the images where both runs define it; classes with ground-truth pixels (no other class has a win either way).}`,
    '\\label{tab:class-wins}',
    '\\end{table}',
  ];
}

/**
 * The paired comparisons (docs/design.md §5.6) every format carries: each run's compared metric over
 * the paired images, B − A with its bootstrap interval, the mean per-image difference, and per-image wins.
 */
function comparisonsTex(model: ReportModel): string[] {
  const first = model.comparisons[0]!;
  const label = texEscape(metricColumns(model).find((c) => c.definition === first.metric)?.label ?? first.metric);
  const leftOut = model.comparisons.filter((c) => c.unscored.images > 0);
  return [
    '\\begin{table}[t]',
    '\\centering',
    '\\small',
    '\\setlength{\\tabcolsep}{4pt}',
    '\\begin{tabular}{llrrrcrr}',
    '\\toprule',
    `A & B & ${label} A & ${label} B & B $-$ A & 95\\% CI & Mean $\\Delta$ & W / T / L \\\\`,
    '\\midrule',
    ...model.comparisons.map((c) => {
      const d = c.difference;
      const interval = d === null ? '--' : `[${texSigned(d.low)}, ${texSigned(d.high)}]`;
      const mean = c.paired.meanDiff === null ? '--' : texSigned(c.paired.meanDiff);
      return `${texEscape(c.runs[0])} & ${texEscape(c.runs[1])} & ${texScore(c.a)} & ${texScore(c.b)} & ${d === null ? '--' : texSigned(d.estimate)} & ${interval} & ${mean} & ${c.paired.wins} / ${c.paired.ties} / ${c.paired.losses} \\\\`;
    }),
    '\\bottomrule',
    '\\end{tabular}',
    `\\caption{Paired comparison on ${texEscape(model.dataset.name)}${subsetNote(model)}: ${label} of A and B over the paired ${units(first)} (\\%) and the difference of \\texttt{${texEscape(first.metric)}} (B $-$ A, points), percentile bootstrap over ${units(first)} (${first.bootstrapSamples} resamples, seed ${first.seed}); by per-${unit(first)} \\texttt{${texEscape(first.imageMetric)}}, the mean difference (Mean $\\Delta$, points) and the ${units(first)} where B wins, ties and loses (W / T / L)${
      leftOut.length === 0
        ? ''
        : `; left out of both for want of a per-image score: ${leftOut.map((c) => `${c.unscored.images} ${c.unscored.images === 1 ? unit(c) : units(c)} (${texEscape(c.runs[1])} vs ${texEscape(c.runs[0])})`).join(', ')}`
    }.}`,
    '\\label{tab:comparison}',
    '\\end{table}',
    ...otherMetricsTex(model),
  ];
}

/** The comparisons' other dataset metrics (cIoU beside gIoU): one table each, over the same paired samples and resamples. */
function otherMetricsTex(model: ReportModel): string[] {
  const first = model.comparisons[0]!;
  return first.otherMetrics.flatMap((m0, k) => {
    const label = texEscape(metricColumns(model).find((c) => c.definition === m0.metric)?.label ?? m0.metric);
    const notes = model.comparisons.flatMap((c) => {
      const note = c.otherMetrics[k]?.note ?? null;
      return note === null ? [] : [`${texEscape(c.runs[1])} vs ${texEscape(c.runs[0])}: ${texEscape(note)}`];
    });
    return [
      '',
      '\\begin{table}[t]',
      '\\centering',
      '\\small',
      '\\begin{tabular}{llrrrc}',
      '\\toprule',
      `A & B & ${label} A & ${label} B & B $-$ A & 95\\% CI \\\\`,
      '\\midrule',
      ...model.comparisons.map((c) => {
        const m = c.otherMetrics[k];
        const d = m?.difference ?? null;
        const interval = d === null ? '--' : `[${texSigned(d.low)}, ${texSigned(d.high)}]`;
        return `${texEscape(c.runs[0])} & ${texEscape(c.runs[1])} & ${texScore(m?.a ?? null)} & ${texScore(m?.b ?? null)} & ${d === null ? '--' : texSigned(d.estimate)} & ${interval} \\\\`;
      }),
      '\\bottomrule',
      '\\end{tabular}',
      `\\caption{Paired comparison on ${texEscape(model.dataset.name)}${subsetNote(model)}: ${label} of A and B over the same paired ${units(first)} (\\%) and the difference of \\texttt{${texEscape(m0.metric)}} (B $-$ A, points), percentile bootstrap over the same resamples (${first.bootstrapSamples}, seed ${first.seed})${notes.length === 0 ? '' : `; ${notes.join('; ')}`}.}`,
      `\\label{tab:comparison-${m0.metric}}`,
      '\\end{table}',
    ];
  });
}

function perClassTex(model: ReportModel): string[] {
  const classes = groundTruthClasses(model);
  // One line, not a table without rows (every compared image all ignore, or none scored yet).
  if (classes.length === 0)
    return [
      `Per-class IoU on ${texEscape(model.dataset.name)}${subsetNote(model)}: no class has ground-truth pixels in the compared images, so there is no per-class table.`,
    ];
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
        return texScore(v, best[k]!.has(i));
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
