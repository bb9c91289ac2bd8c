/**
 * Scores as every table prints them (Benchmarks, HTML, LaTeX and PDF reports): a fraction as a
 * percent with a fixed number of decimals. One rule for which run is best: the value as printed, so
 * two runs that print the same are both marked (a 1e-6 difference no reader can see marks no winner).
 */

/** `value` (a fraction) in percent with `digits` decimals; '—' when undefined. Never "-0.00": a value that rounds to zero prints as zero. */
export function percentText(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined) return '—';
  const text = (value * 100).toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
}

/** The rows whose value, printed with `digits` decimals, is the highest (every row tied for it); none when all are undefined. */
export function bestAsPrinted(values: ReadonlyArray<number | null>, digits: number): Set<number> {
  const shown = values.map((v) => (v === null ? null : Number(percentText(v, digits))));
  let best: number | null = null;
  for (const v of shown) if (v !== null && (best === null || v > best)) best = v;
  const rows = new Set<number>();
  shown.forEach((v, i) => {
    if (v !== null && v === best) rows.add(i);
  });
  return rows;
}
