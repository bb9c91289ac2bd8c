import type { ClassInfo } from '../../../shared';
import { COLORMAPS, type ColormapName } from '../../canvas/raster/colormaps';
import { TOKEN_SET_COLORS } from '../../canvas/raster/tokenSets';
import { ColorBar } from './ColorBar';
import type { HeatmapSettings, HeatmapView } from './heatmapView';

export interface HeatmapChoice {
  key: string;
  /** The heatmap's name (`cam`, `seg_similarity`, ...). */
  name: string;
  /** The sample's query (referring datasets), else null. */
  query: string | null;
}

export interface TokenPanelProps {
  choices: readonly HeatmapChoice[];
  selected: string | null;
  onSelect(key: string): void;
  view: HeatmapView | null;
  settings: HeatmapSettings;
  onSettings(s: HeatmapSettings): void;
  colormap: ColormapName;
  onColormap(c: ColormapName): void;
  classes: readonly ClassInfo[];
}

const css = (c: readonly number[]): string => `rgba(${c[0]},${c[1]},${c[2]},${(c[3] ?? 255) / 255})`;

/** Controls of the token tools: which heatmap, its colormap, and the per-kind tools (CAM threshold, patch, <SEG> query, HiPrune sets). */
export function TokenPanel(p: TokenPanelProps): React.JSX.Element {
  const v = p.view;
  const className = (id: number): string => p.classes.find((c) => c.index === id)?.name ?? `class ${id}`;
  // The select holds the heatmap names only (short: they fit the panel); when several samples (queries)
  // have the chosen heatmap, their queries are listed in full below it, one radio button each.
  const names = [...new Set(p.choices.map((c) => c.name))];
  const current = p.choices.find((c) => c.key === p.selected) ?? null;
  const samples = current === null ? [] : p.choices.filter((c) => c.name === current.name);
  const pickName = (name: string): void => {
    const next = p.choices.find((c) => c.name === name && c.query === current?.query) ?? p.choices.find((c) => c.name === name);
    if (next !== undefined) p.onSelect(next.key);
  };
  return (
    <div className="token-panel">
      <label className="field">
        Heatmap
        <select data-testid="heatmap-select" value={current?.name ?? ''} onChange={(e) => pickName(e.target.value)}>
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      {samples.length > 1 ? (
        <fieldset className="heatmap-queries" data-testid="heatmap-samples">
          <legend>Query</legend>
          {samples.map((c, i) => (
            <label key={c.key}>
              <input
                type="radio"
                name="heatmap-sample"
                data-testid="heatmap-sample"
                checked={c.key === p.selected}
                onChange={() => p.onSelect(c.key)}
              />
              {c.query === null ? `sample ${i + 1}` : `“${c.query}”`}
            </label>
          ))}
        </fieldset>
      ) : null}
      <label className="field">
        Colormap
        <select data-testid="colormap-select" value={p.colormap} onChange={(e) => p.onColormap(e.target.value as ColormapName)}>
          {COLORMAPS.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      {v !== null ? <ColorBar colormap={p.colormap} min={v.min} max={v.max} /> : null}
      {v?.kind === 'cam' ? (
        <>
          <label className="field">
            CAM class
            <select
              data-testid="cam-class"
              value={p.settings.channel}
              onChange={(e) => p.onSettings({ ...p.settings, channel: Number(e.target.value) })}
            >
              {v.classIds.map((id, k) => (
                <option key={k} value={k}>
                  {id} {className(id)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            Background threshold <output data-testid="cam-threshold-value">{p.settings.threshold.toFixed(2)}</output>
            <input
              type="range"
              min={0}
              max={1}
              step={0.01}
              data-testid="cam-threshold"
              value={p.settings.threshold}
              onChange={(e) => p.onSettings({ ...p.settings, threshold: Number(e.target.value) })}
            />
          </label>
          <p className="muted small">Pseudo label: argmax over classes, background where the best score ≤ threshold (ToCo).</p>
        </>
      ) : null}
      {v?.kind === 'patch' ? (
        <p className="small" data-testid="patch-info">
          {p.settings.patch === null
            ? 'Click a patch on the image to see its cosine similarity to every patch.'
            : `Patch ${p.settings.patch} (row ${Math.floor(p.settings.patch / v.w)}, col ${p.settings.patch % v.w})`}
        </p>
      ) : null}
      {v?.kind === 'seg' ? (
        <div className="small">
          <p>
            Query: <q data-testid="seg-query">{v.query ?? '—'}</q>
          </p>
          <p className="muted">
            SasP points: <span style={{ color: '#00e676' }}>● positive {v.points.filter((q) => q.label === 1).length}</span>{' '}
            <span style={{ color: '#ff1744' }}>● negative {v.points.filter((q) => q.label === 0).length}</span>{' '}
            <span style={{ color: '#bdbdbd' }}>● neutral {v.points.filter((q) => q.label !== 0 && q.label !== 1).length}</span>
          </p>
        </div>
      ) : null}
      {v?.kind === 'importance' && v.sets !== null ? (
        <p className="small" data-testid="token-sets">
          <span style={{ color: css(TOKEN_SET_COLORS.anchor) }}>■ anchors {v.sets.anchors.length}</span>{' '}
          <span style={{ color: css(TOKEN_SET_COLORS.buffer) }}>■ buffers {v.sets.buffers.length}</span>{' '}
          <span style={{ color: css(TOKEN_SET_COLORS.register) }}>■ registers {v.sets.registers.length}</span>
        </p>
      ) : null}
    </div>
  );
}
