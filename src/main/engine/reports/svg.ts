/** Inline SVG bar charts: per-class IoU, one bar per run, no scripts or external files. */
import { escapeHtml } from './format';

export const RUN_COLORS = ['#3b78c4', '#e0813a', '#3d9a5b', '#c4453b', '#8a62b8', '#8c6d31', '#d163a8', '#6b6b6b'];

export interface BarGroup {
  label: string;
  values: Array<number | null>;
}

/**
 * Horizontal grouped bars on a 0..1 axis. Undefined values (class absent from GT and prediction)
 * are drawn as a dash, not a zero bar, because they are not scores of 0.
 */
export function groupedBarChart(groups: readonly BarGroup[], series: readonly string[], width = 640): string {
  const labelWidth = 130;
  const bar = 9;
  const gap = 6;
  const groupHeight = series.length * bar + gap;
  const top = 22;
  const plot = width - labelWidth - 50;
  const height = top + groups.length * groupHeight + 20;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" font-family="sans-serif" font-size="10">`,
  ];
  series.forEach((name, s) => {
    const x = labelWidth + s * 120;
    parts.push(`<rect x="${x}" y="4" width="10" height="10" fill="${RUN_COLORS[s % RUN_COLORS.length]}"/>`);
    parts.push(`<text x="${x + 14}" y="13">${escapeHtml(name)}</text>`);
  });
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const x = labelWidth + tick * plot;
    parts.push(`<line x1="${x}" y1="${top - 2}" x2="${x}" y2="${height - 16}" stroke="#ddd"/>`);
    parts.push(`<text x="${x}" y="${height - 4}" text-anchor="middle" fill="#666">${tick * 100}</text>`);
  }
  groups.forEach((group, g) => {
    const y0 = top + g * groupHeight;
    parts.push(`<text x="${labelWidth - 6}" y="${y0 + (series.length * bar) / 2 + 3}" text-anchor="end">${escapeHtml(group.label)}</text>`);
    group.values.forEach((v, s) => {
      const y = y0 + s * bar;
      if (v === null) {
        parts.push(`<text x="${labelWidth + 3}" y="${y + bar - 1}" fill="#999">—</text>`);
        return;
      }
      const w = Math.max(0.5, v * plot);
      parts.push(
        `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${bar - 1}" fill="${RUN_COLORS[s % RUN_COLORS.length]}"/>`,
      );
      parts.push(`<text x="${(labelWidth + w + 3).toFixed(1)}" y="${y + bar - 1}" fill="#333">${(v * 100).toFixed(1)}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('');
}
