/**
 * The self-contained HTML report: inline CSS, inline SVG charts and data: PNG thumbnails, so it opens
 * anywhere and prints to PDF as is (pdf.ts prints this same document).
 */
import { runOriginText } from '../../../shared/domain';
import { ignoreBandNote } from '../../../shared/pure/ignoreBand';
import type { Comparison, EvalResult } from '../../../shared/api/methods/metrics';
import { bestRows, escapeHtml as e, groundTruthClasses, metricColumns, pct } from './format';
import type { GallerySection } from './gallery';
import type { ReportModel } from './model';
import { groupedBarChart } from './svg';
import { classesInGroundTruth } from '../../../shared/domain/classPresence';
import type { Thumbnails } from './thumbnails';

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;margin:24px;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:13px;margin:16px 0 6px}
table{border-collapse:collapse;margin:6px 0;font-size:12px}th,td{padding:3px 8px;border-bottom:1px solid #e4e4e4;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.best{font-weight:700}.muted{color:#777}.warning{color:#8a4b00}
p{font-size:12px}code{font-size:11px}code.hash{word-break:break-all}.grid td{vertical-align:top;padding:2px}.grid img{display:block;width:160px;image-rendering:auto}
.caption{font-size:10px;color:#555;max-width:160px;overflow-wrap:anywhere}
@media print{body{margin:0}h2{break-after:avoid}svg,tr,img{break-inside:avoid}.grid thead tr{break-after:avoid}}`;
// Sections may break across pages (only charts, rows and images stay whole): a section kept whole
// that is taller than what is left of page 1 used to push everything after the header to page 2.
// A gallery's header row stays with its first row of images (and repeats on each page it spans).

function scoresTable(model: ReportModel): string {
  const cols = metricColumns(model);
  const best = cols.map((c) =>
    bestRows(
      model.runs.map((r) => c.value(r.scores)),
      2,
    ),
  );
  const head = `<tr><th>Run</th><th class="num">Images</th>${cols.map((c) => `<th class="num" title="${c.definition}">${c.label}</th>`).join('')}</tr>`;
  const rows = model.runs.map(
    (r, i) =>
      `<tr><td>${e(r.name)}</td><td class="num">${r.scores.images}</td>${cols
        .map((c, k) => `<td class="num${best[k]!.has(i) ? ' best' : ''}">${pct(c.value(r.scores))}</td>`)
        .join('')}</tr>`,
  );
  // A CAM run scored without its pseudo label's ignore band says so (its sweep labels every pixel).
  const notes = model.runs.flatMap((r) => {
    const note = ignoreBandNote(r);
    return note === null ? [] : [`<p class="warning" data-note="ignore-band">Run ${e(r.name)}: ${e(note)}</p>`];
  });
  return `<table data-table="scores">${head}${rows.join('')}</table>${notes.join('')}<p class="muted">Scores in %, best in bold (every run tied for it). Column definitions: ${cols.map((c) => `${c.label} = <code>${c.definition}</code>`).join(', ')}.</p>`;
}

function provenanceTable(model: ReportModel): string {
  // The column only when some run was imported without a file for some images (scored as all background).
  const missing = model.runs.some((r) => r.withoutFile > 0);
  const rows = model.runs.map(
    (r) =>
      `<tr><td>${e(r.name)}</td><td>${e(r.source === 'model' ? `model ${runOriginText({ source: 'model', provenance: r.provenance })}` : r.source)}</td><td><code class="hash">${e(r.modelHash ?? '—')}</code></td><td>${e(r.executionProvider ?? '—')}</td><td class="num">${r.scores.unpredicted}</td>${missing ? `<td class="num">${r.withoutFile}</td>` : ''}</tr>`,
  );
  const notes = model.runs
    .filter((r) => r.withoutFile > 0)
    .map(
      (r) =>
        `<p class="warning">Run ${e(r.name)} was imported without a prediction file for ${r.withoutFile} of the dataset's images: they are scored as all background, which lowers its scores.</p>`,
    );
  return `<table><tr><th>Run</th><th>Source</th><th>Model hash</th><th>Execution provider</th><th class="num">Images without prediction${missing ? ' (not scored)' : ''}</th>${missing ? '<th class="num">Images without a prediction file (scored as all background)</th>' : ''}</tr>${rows.join('')}</table>${notes.join('')}`;
}

function perClass(model: ReportModel): string {
  if (model.dataset.task !== 'semantic') return '';
  const all = model.runs[0]?.scores.semantic?.per_class ?? [];
  const present = classesInGroundTruth(model.runs.map((r) => r.scores.semantic?.per_class));
  const classes = all.filter((c) => present.has(c.id));
  const absent = all.filter((c) => !present.has(c.id));
  // One line, not a chart and a table without rows (every compared image all ignore, or none scored yet).
  if (classes.length === 0)
    return `<section><h2>Per class</h2><p data-empty="per-class">No class has ground-truth pixels in the compared images, so there is no per-class table.</p></section>`;
  const groups = classes.map((c) => ({ label: c.name, values: model.runs.map((r) => r.scores.semantic?.per_class[c.id]?.iou ?? null) }));
  const rows = classes.map((c, k) => {
    const best = bestRows(groups[k]!.values, 2);
    return `<tr><td class="num">${c.id}</td><td>${e(c.name)}</td>${model.runs
      .map((r, i) => {
        const p = r.scores.semantic?.per_class[c.id];
        return `<td class="num${best.has(i) ? ' best' : ''}">${pct(p?.iou)}</td><td class="num">${pct(p?.acc)}</td>`;
      })
      .join('')}</tr>`;
  });
  const head = `<tr><th class="num">Id</th><th>Class</th>${model.runs.map((r) => `<th class="num">${e(r.name)} IoU</th><th class="num">Acc</th>`).join('')}</tr>`;
  return `<section><h2>Per class</h2>${groupedBarChart(
    groups,
    model.runs.map((r) => r.name),
  )}<table data-table="per-class">${head}${rows.join('')}</table><p class="muted">IoU in %, best per class in bold. — : the class has no pixels in ground truth or prediction (IoU undefined).${
    absent.length === 0
      ? ''
      : ` Left out: ${absent.length} class${absent.length === 1 ? '' : 'es'} without ground-truth pixels (${absent.map((c) => e(c.name)).join(', ')}).`
  }</p></section>`;
}

function comparison(c: Comparison): string {
  const d = c.difference;
  const interval = d === null ? '—' : `${pct(d.estimate)} [${pct(d.low)}, ${pct(d.high)}]`;
  const beat = c.classes
    .filter((k) => k.bWins > 0)
    .map(
      (k) =>
        `${e(k.name)}: ${k.bWins} (${k.images
          .slice(0, 3)
          .map((i) => e(i.fileName))
          .join(', ')}${k.bWins > 3 ? ', …' : ''})`,
    )
    .join('; ');
  return `<tr><td>${e(c.runs[1])} − ${e(c.runs[0])}</td><td style="white-space:nowrap"><code>${e(c.metric)}</code></td><td class="num">${pct(c.a)}</td><td class="num">${pct(c.b)}</td><td class="num">${interval}</td><td class="num">${pct(c.paired.meanDiff)}</td><td class="num">${c.paired.wins} / ${c.paired.ties} / ${c.paired.losses}${unscored(c)}</td><td>${beat || '—'}</td></tr>${c.otherMetrics.map((m) => otherMetric(c, m)).join('')}`;
}

/** Another dataset metric of the same comparison (cIoU beside gIoU): the same resamples; the per-image columns belong to the first row. */
function otherMetric(c: Comparison, m: Comparison['otherMetrics'][number]): string {
  const d = m.difference;
  const interval = d === null ? '—' : `${pct(d.estimate)} [${pct(d.low)}, ${pct(d.high)}]`;
  const note = m.note === null ? '' : `<br><span class="muted">${e(m.note)}</span>`;
  return `<tr data-other-metric="${e(m.metric)}"><td>${e(c.runs[1])} − ${e(c.runs[0])}</td><td style="white-space:nowrap"><code>${e(m.metric)}</code></td><td class="num">${pct(m.a)}</td><td class="num">${pct(m.b)}</td><td class="num">${interval}${note}</td><td class="num">—</td><td class="num">—</td><td>—</td></tr>`;
}

/** The paired images left out of wins / ties / losses and of the bootstrap, and why. */
function unscored(c: Comparison): string {
  const n = c.unscored.images;
  if (n === 0) return '';
  return `<br><span class="muted" data-unscored="${n}">${n} image${n === 1 ? '' : 's'} left out: ${e(c.unscored.reason ?? 'no per-image score')}</span>`;
}

function comparisons(model: ReportModel): string {
  if (model.comparisons.length === 0) return '';
  return `<section><h2>Paired comparisons</h2><table data-table="comparisons"><tr><th>B − A</th><th>Metric</th><th class="num">A</th><th class="num">B</th><th class="num">Δ (95% CI)</th><th class="num">Mean per-${model.comparisons[0]?.unit ?? 'image'} Δ</th><th class="num">${model.comparisons[0]?.unit === 'query' ? 'Queries' : 'Images'} B wins / ties / loses</th><th>Images where B beat A, per class</th></tr>${model.comparisons.map(comparison).join('')}</table>
<p class="muted">A and B: the metric over the paired ${model.comparisons[0]?.unit === 'query' ? 'queries' : 'images'}, in %. Percentile bootstrap over ${model.comparisons[0]?.unit === 'query' ? 'queries' : 'images'} (paired; ${model.comparisons[0]?.bootstrapSamples ?? 0} resamples, seed ${model.seed}); the mean per-${model.comparisons[0]?.unit ?? 'image'} Δ (points) and the wins compare per-${model.comparisons[0]?.unit ?? 'image'} scores (<code>${e(model.comparisons[0]?.imageMetric ?? '')}</code>); the mean, the wins and the interval count only ${model.comparisons[0]?.unit === 'query' ? 'queries' : 'images'} both runs can score.</p>${classWins(model)}</section>`;
}

/** Semantic: per class with ground truth, images where B's IoU for the class beat A's and the reverse, for every comparison. */
function classWins(model: ReportModel): string {
  if (model.dataset.task !== 'semantic') return '';
  const classes = groundTruthClasses(model);
  if (classes.length === 0) return '';
  const head = `<tr><th class="num">Id</th><th>Class</th>${model.comparisons
    .map((c) => `<th class="num">${e(c.runs[1])} beat ${e(c.runs[0])}</th><th class="num">${e(c.runs[0])} beat ${e(c.runs[1])}</th>`)
    .join('')}</tr>`;
  const rows = classes.map(
    (k) =>
      `<tr><td class="num">${k.id}</td><td>${e(k.name)}</td>${model.comparisons
        .map((c) => {
          const w = c.classes.find((x) => x.id === k.id);
          return `<td class="num">${w?.bWins ?? '—'}</td><td class="num">${w?.aWins ?? '—'}</td>`;
        })
        .join('')}</tr>`,
  );
  return `<h3>Per class: images where one run's IoU for the class beat the other's</h3><table data-table="class-wins">${head}${rows.join('')}</table><p class="muted">Over the paired images where both runs define the class's IoU; classes with ground-truth pixels (no other class has a win either way).</p>`;
}

function subsets(model: ReportModel): string {
  const names = model.runs[0]?.subsets.map((s) => s.name) ?? [];
  if (names.length === 0) return '';
  const cols = metricColumns(model);
  const rows = names.flatMap((name, t) => {
    const scores = model.runs.map((r) => r.subsets[t]?.scores ?? null);
    const best = cols.map((c) =>
      bestRows(
        scores.map((s) => (s === null ? null : c.value(s))),
        2,
      ),
    );
    return model.runs.map(
      (r, i) =>
        `<tr><td>${e(name)}</td><td>${e(r.name)}</td><td class="num">${scores[i]?.images ?? '—'}</td>${cols
          .map((c, k) => `<td class="num${best[k]!.has(i) ? ' best' : ''}">${pct(scores[i] ? c.value(scores[i]) : null)}</td>`)
          .join('')}</tr>`,
    );
  });
  const head = `<tr><th>Tag</th><th>Run</th><th class="num">Images</th>${cols.map((c) => `<th class="num" title="${c.definition}">${c.label}</th>`).join('')}</tr>`;
  return `<section><h2>Subsets (tags)</h2><table data-table="subsets">${head}${rows.join('')}</table><p class="muted">Scores in % over the images carrying each tag, best per tag in bold; definitions as in Scores.</p></section>`;
}

function corrections(model: ReportModel): string {
  const runs = model.runs.filter((r) => r.corrections !== null);
  if (runs.length === 0) return '';
  const cols = metricColumns(model);
  const rows = runs.flatMap((r) => {
    const c = r.corrections!;
    const sides: Array<[string, EvalResult]> = [
      ['imported', c.before],
      ['current', c.after],
    ];
    return sides.map(
      ([label, scores]) =>
        `<tr><td>${e(r.name)}</td><td class="num">${c.correctedImages}</td><td>${label}</td><td class="num">${scores.images}</td>${cols
          .map((k) => `<td class="num">${pct(k.value(scores))}</td>`)
          .join('')}</tr>`,
    );
  });
  const head = `<tr><th>Run</th><th class="num">Corrected images</th><th>Ground truth</th><th class="num">Images</th>${cols.map((c) => `<th class="num" title="${c.definition}">${c.label}</th>`).join('')}</tr>`;
  return `<section><h2>Ground-truth corrections</h2><table data-table="corrections">${head}${rows.join('')}</table><p class="muted">Each run scored against the ground truth as imported and as corrected now, in %; corrected images: those whose ground truth differs from the imported version.</p></section>`;
}

function gallery(model: ReportModel, sections: readonly GallerySection[], thumbs: ReadonlyMap<number, Thumbnails>): string {
  const head = `<tr><th>Image</th><th>Ground truth</th>${model.runs.map((r) => `<th>${e(r.name)}</th>`).join('')}<th>CAM</th></tr>`;
  const img = (uri: string | null | undefined, caption: string): string =>
    `<td>${uri ? `<img src="${uri}" alt="">` : '<span class="muted">—</span>'}<div class="caption">${caption}</div></td>`;
  return sections
    .filter((s) => s.items.length > 0)
    .map((s) => {
      const rows = s.items.map((item) => {
        const t = thumbs.get(item.sampleId);
        const name = e(item.fileName) + (item.query === null ? '' : `<br>“${e(item.query)}”`);
        return `<tr>${img(t?.image, name)}${img(t?.groundTruth, '')}${model.runs.map((_, i) => img(t?.runs[i], pct(item.scores[i]))).join('')}${img(t?.cam?.uri, e(t?.cam?.label ?? ''))}</tr>`;
      });
      return `<section><h2>${e(s.title)}</h2><table class="grid"><thead>${head}</thead>${rows.join('')}</table></section>`;
    })
    .join('');
}

function definitions(model: ReportModel): string {
  const rows = model.definitions.map(
    (d) => `<tr><td><code>${e(d.name)}</code></td><td>${e(d.description)}</td><td class="muted">${e(d.reference)}</td></tr>`,
  );
  return `<section><h2>Metric definitions</h2><table data-table="definitions"><tr><th>Name</th><th>Definition</th><th>Reference implementation</th></tr>${rows.join('')}</table></section>`;
}

export function renderHtml(model: ReportModel, thumbs: ReadonlyMap<number, Thumbnails>): string {
  const d = model.dataset;
  const meta = [
    ['Dataset', `${e(d.name)} (${e(d.format)}, ${e(d.task)}, ${d.images} images)`],
    ['Dataset hash', `<code class="hash">${d.hash}</code> (sha256 of image hashes + ground-truth versions)`],
    ['Subset', model.subset === null ? 'all scored images' : `tag “${e(model.subset)}”`],
    ['Tool', `Tessera ${e(model.toolVersion)}`],
    ['Generated', e(model.generatedAt)],
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"><title>Tessera report: ${e(d.name)}</title><style>${CSS}</style></head><body>
<h1>Tessera report: ${e(d.name)}</h1>
<table>${meta.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>
<section><h2>Runs</h2>${provenanceTable(model)}</section>
<section><h2>Scores</h2>${scoresTable(model)}</section>
${perClass(model)}${comparisons(model)}${subsets(model)}${corrections(model)}${gallery(model, model.gallery, thumbs)}${definitions(model)}
</body></html>
`;
}
