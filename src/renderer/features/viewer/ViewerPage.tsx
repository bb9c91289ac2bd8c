import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { BlobRef } from '../../../shared';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { routeHref } from '../../router';
import { Viewer, type PointMarker } from '../../canvas/Viewer';
import type { ColormapName } from '../../canvas/raster/colormaps';
import { heatmapCellAt } from '../../../shared/domain/heatmapGeometry';
import { LayerControl } from './LayerControl';
import { ClassLegend } from './ClassLegend';
import { TokenPanel } from './TokenPanel';
import { useBlobBytes, useHeatmapValues } from './blobData';
import { heatmapView, viewPlacement, type HeatmapSettings } from './heatmapView';
import { inspectorText } from './inspectorText';
import { DEFAULT_LAYERS, gridPlacement, useViewerLayers, type LayerId, type LayerStates } from './useViewerLayers';

const POINT_COLORS: Record<string, string> = { '1': '#00e676', '0': '#ff1744' };
const NO_CLASSES = new Set<number>();

export function ViewerPage({ imageId }: { imageId: number }): React.JSX.Element {
  const detail = useQuery(apiQuery('images.get', { imageId }));
  const datasetId = detail.data?.datasetId;
  const runs = useQuery({ ...apiQuery('runs.list', { datasetId: datasetId ?? 0 }), enabled: datasetId !== undefined });
  const [runChoice, setRunChoice] = useState<number | 'none' | null>(null);
  const runList = runs.data ?? [];
  const runId = runChoice === 'none' ? null : (runChoice ?? runList[runList.length - 1]?.id ?? null);

  const heatmaps = useQuery({ ...apiQuery('heatmaps.list', { runId: runId ?? 0, imageId }), enabled: runId !== null });
  const [heatmapKey, setHeatmapKey] = useState<string | null>(null);
  const heatmapList = runId === null ? [] : (heatmaps.data ?? []);
  const selected = heatmapList.find((h) => `${h.sampleId}:${h.name}` === heatmapKey) ?? heatmapList[0] ?? null;
  const count = selected === null ? 0 : selected.shape.reduce((a, b) => a * b, 1);
  const values = useHeatmapValues(selected?.blob ?? null, selected?.dtype ?? 'float32', count);
  const [settings, setSettings] = useState<HeatmapSettings>({ channel: 0, patch: null, threshold: 0.5 });
  const [colormap, setColormap] = useState<ColormapName>('jet');

  // The prediction shown follows the heatmap's sample: a <SEG> map of a referring query shows that query's mask.
  const predRef: BlobRef | null = useMemo(() => {
    if (runId === null) return null;
    const sample = detail.data?.samples.find((s) => s.id === selected?.sampleId);
    return sample !== undefined && sample.query !== null
      ? { kind: 'prediction', runId, imageId, sampleId: sample.id }
      : { kind: 'prediction', runId, imageId };
  }, [runId, imageId, selected?.sampleId, detail.data?.samples]);
  // Ground truth follows the same sample: a referring query's own mask.
  const gtRef: BlobRef | null = useMemo(() => {
    const base = detail.data?.groundTruth ?? null;
    const sample = detail.data?.samples.find((s) => s.id === selected?.sampleId);
    return base !== null && sample !== undefined && sample.query !== null
      ? { kind: 'labelmap', imageId, source: 'gt', sampleId: sample.id }
      : base;
  }, [imageId, selected?.sampleId, detail.data?.groundTruth, detail.data?.samples]);
  const gt = useBlobBytes(gtRef);
  const pred = useBlobBytes(predRef);

  const [layers, setLayers] = useState<LayerStates>(DEFAULT_LAYERS);
  const [hidden, setHidden] = useState<Set<number>>(NO_CLASSES);
  const [command, setCommand] = useState<{ kind: 'fit' | 'actual'; seq: number }>({ kind: 'fit', seq: 0 });
  const [hover, setHover] = useState<{ x: number; y: number } | null>(null);

  const view = useMemo(
    () => (selected === null || values.data === undefined ? null : heatmapView(selected, values.data, settings)),
    [selected, values.data, settings],
  );
  useEffect(() => setSettings((s) => ({ ...s, channel: 0, patch: null })), [selected?.sampleId, selected?.name]);

  const img = detail.data;
  const width = img?.width ?? 1;
  const height = img?.height ?? 1;
  const classes = useMemo(() => img?.classes ?? [], [img?.classes]);
  const bitmaps = useViewerLayers({
    width,
    height,
    classes,
    hidden,
    gt: gt.data ?? null,
    pred: runId === null ? null : (pred.data ?? null),
    view,
    colormap,
    states: layers,
  });
  const points: PointMarker[] = useMemo(
    () =>
      view === null || !layers.tokens.visible
        ? []
        : view.points.map((p) => ({ x: p.x, y: p.y, color: POINT_COLORS[String(p.label)] ?? '#bdbdbd' })),
    [view, layers.tokens.visible],
  );
  const grid = useMemo(() => {
    if (view?.grid == null || !layers.tokens.visible) return null;
    const place = gridPlacement(view, width, height);
    return { ...view.grid, highlight: view.kind === 'patch' ? settings.patch : null, ...(place === undefined ? {} : { place }) };
  }, [view, layers.tokens.visible, settings.patch, width, height]);
  const onClick = useCallback(
    (p: { x: number; y: number }) => {
      if (view?.kind !== 'patch') return;
      const cell = heatmapCellAt(p.x, p.y, viewPlacement(view, { width, height }), { h: view.h, w: view.w });
      if (cell !== null) setSettings((s) => ({ ...s, patch: cell.index }));
    },
    [view, width, height],
  );

  if (detail.error) return <ErrorBanner error={detail.error} />;
  if (img === undefined) return <p className="muted">Loading image…</p>;
  const setLayer = (id: LayerId) => (s: LayerStates[LayerId]) => setLayers({ ...layers, [id]: s });
  const hasPred = runId !== null && pred.data !== undefined;

  return (
    <section className="viewer">
      <header className="page-header">
        <a href={routeHref({ page: 'gallery', datasetId: img.datasetId })}>Gallery</a> / <h2>{img.fileName}</h2>
        <span className="muted">
          {img.width}×{img.height} · {img.reviewState}
          {img.tags.length > 0 ? ` · ${img.tags.join(', ')}` : ''}
        </span>
        <a className="button" data-testid="open-annotate" href={`#/annotate/${img.id}`}>
          Annotate
        </a>
        {runList.length >= 2 ? (
          <a className="button" data-testid="open-compare" href={`#/compare/${img.datasetId}?image=${img.id}`}>
            Compare runs
          </a>
        ) : null}
      </header>
      <div className="viewer-body">
        <aside className="layers-panel" aria-label="Layers">
          <h3>Run</h3>
          <select
            data-testid="run-select"
            value={runId ?? 'none'}
            onChange={(e) => setRunChoice(e.target.value === 'none' ? 'none' : Number(e.target.value))}
          >
            <option value="none">no run</option>
            {runList.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
          <h3>Layers</h3>
          <LayerControl id="image" label="Image" state={layers.image} onChange={setLayer('image')} />
          <LayerControl id="gt" label="Ground truth" disabled={img.groundTruth === null} state={layers.gt} onChange={setLayer('gt')} />
          <LayerControl id="pred" label="Prediction" disabled={!hasPred} state={layers.pred} onChange={setLayer('pred')} />
          <LayerControl
            id="diff"
            label="Errors vs GT (TP/FP/FN)"
            disabled={!hasPred || img.groundTruth === null}
            state={layers.diff}
            onChange={setLayer('diff')}
          />
          <LayerControl id="heatmap" label="Heatmap" disabled={view === null} state={layers.heatmap} onChange={setLayer('heatmap')} />
          <LayerControl
            id="pseudo"
            label="CAM pseudo label"
            disabled={view?.pseudoLabel == null}
            state={layers.pseudo}
            onChange={setLayer('pseudo')}
          />
          <LayerControl
            id="tokens"
            label="Tokens and points"
            disabled={view === null || (view.grid === null && view.points.length === 0)}
            state={layers.tokens}
            onChange={setLayer('tokens')}
          />
          <div className="view-buttons">
            <button data-testid="fit" onClick={() => setCommand({ kind: 'fit', seq: command.seq + 1 })}>
              Fit
            </button>
            <button data-testid="actual-size" onClick={() => setCommand({ kind: 'actual', seq: command.seq + 1 })}>
              1:1
            </button>
          </div>
          <h3>Inspector</h3>
          <p className="inspector" data-testid="inspector">
            {inspectorText(hover, { width, height, classes, gt: gt.data ?? null, pred: hasPred ? (pred.data ?? null) : null, view })}
          </p>
          {heatmapList.length > 0 ? (
            <>
              <h3>Token tools</h3>
              <TokenPanel
                choices={heatmapList.map((h) => ({
                  key: `${h.sampleId}:${h.name}`,
                  label: h.query === null ? h.name : `${h.name} · “${h.query}”`,
                }))}
                selected={selected === null ? null : `${selected.sampleId}:${selected.name}`}
                onSelect={setHeatmapKey}
                view={view}
                settings={settings}
                onSettings={setSettings}
                colormap={colormap}
                onColormap={setColormap}
                classes={classes}
              />
            </>
          ) : null}
          {classes.length > 0 ? (
            <>
              <h3>Classes</h3>
              <ClassLegend classes={classes} hidden={hidden} onChange={setHidden} />
            </>
          ) : null}
          {[gt.error, pred.error, values.error, heatmaps.error, runs.error].map((e, i) => (e ? <ErrorBanner key={i} error={e} /> : null))}
        </aside>
        <Viewer
          imageUrl={client.blobUrl(img.image)}
          width={img.width}
          height={img.height}
          image={layers.image}
          layers={bitmaps}
          grid={grid}
          points={points}
          command={command}
          onHover={setHover}
          onClick={onClick}
        />
      </div>
    </section>
  );
}
