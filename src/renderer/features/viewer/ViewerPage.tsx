import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { runDisplayName, type BlobRef } from '../../../shared';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Viewer, type PointMarker } from '../../canvas/Viewer';
import { heatmapCellAt } from '../../../shared/domain/heatmapGeometry';
import { LayerControl } from './LayerControl';
import { ClassLegend } from './ClassLegend';
import { OverlayLegend, gtDrawnAs, useGtStyle } from './OverlayLegend';
import { TokenPanel } from './TokenPanel';
import { useBlobBytes, useHeatmapValues, usePredictionBytes } from './blobData';
import { heatmapView, viewPlacement } from './heatmapView';
import { inspectorText } from './inspectorText';
import { gridPlacement, useViewerLayers, type LayerId, type LayerStates } from './useViewerLayers';
import { useSectionOpen, useViewerState } from './useViewerState';
import { NavButtons, keysBelongTo, useImageNav } from './ImageNav';
import { ShortcutHelp } from './ShortcutHelp';
import { VIEWER_SHORTCUTS, viewerAction } from './viewerShortcuts';
import { annotateHref, galleryHref, parseGalleryView } from '../gallery/galleryView';
import './viewer.css';

const POINT_COLORS: Record<string, string> = { '1': '#00e676', '0': '#ff1744' };
/** A panel section that folds away (its open state is kept across images). */
function Section(p: { id: string; title: string; children: React.ReactNode; defaultOpen?: boolean }): React.JSX.Element {
  const [open, setOpen] = useSectionOpen(p.id, p.defaultOpen ?? true);
  return (
    <details
      className="panel-section"
      data-testid={`section-${p.id}`}
      open={open}
      onToggle={(e) => {
        setOpen((e.currentTarget as HTMLDetailsElement).open);
      }}
    >
      <summary>{p.title}</summary>
      {p.children}
    </details>
  );
}

export function ViewerPage({ imageId }: { imageId: number }): React.JSX.Element {
  const detail = useQuery(apiQuery('images.get', { imageId }));
  const datasetId = detail.data?.datasetId;
  const state = useViewerState(datasetId);
  const { sameDataset, runChoice, setRunChoice, heatmapKey, setHeatmapKey, settings, setSettings, colormap, setColormap } = state;
  const { layers, setLayers, hidden, setHidden, command, zoom, hover, setHover, help, setHelp } = state;
  const runs = useQuery({ ...apiQuery('runs.list', { datasetId: datasetId ?? 0 }), enabled: datasetId !== undefined });
  const nav = useImageNav(imageId, datasetId, 'viewer');
  const galleryView = parseGalleryView(nav.query);
  const runList = runs.data ?? [];
  // The run shown: the one picked here, else the gallery's overlay or sort run, else the newest.
  const galleryRun =
    galleryView.overlay.kind === 'pred' ? galleryView.overlay.runId : galleryView.sort.by === 'score' ? galleryView.sort.runId : null;
  const pick = sameDataset ? runChoice : null;
  const runId =
    pick === 'none'
      ? null
      : ((pick !== null && runList.some((r) => r.id === pick) ? pick : null) ??
        (galleryRun !== null && runList.some((r) => r.id === galleryRun) ? galleryRun : null) ??
        runList[runList.length - 1]?.id ??
        null);

  const heatmaps = useQuery({ ...apiQuery('heatmaps.list', { runId: runId ?? 0, imageId }), enabled: runId !== null });
  const heatmapList = runId === null ? [] : (heatmaps.data ?? []);
  const selected = heatmapList.find((h) => `${h.sampleId}:${h.name}` === heatmapKey) ?? heatmapList[0] ?? null;
  const count = selected === null ? 0 : selected.shape.reduce((a, b) => a * b, 1);
  const values = useHeatmapValues(selected?.blob ?? null, selected?.dtype ?? 'float32', count);

  // The prediction shown follows the heatmap's sample: a <SEG> map of a referring query shows that query's mask.
  // A run of heatmaps only has no prediction to fetch (the engine answers 404): its layer stays empty.
  const runHasMasks = runList.find((r) => r.id === runId)?.hasMasks ?? false;
  const predRef: BlobRef | null = useMemo(() => {
    if (runId === null || !runHasMasks) return null;
    const sample = detail.data?.samples.find((s) => s.id === selected?.sampleId);
    return sample !== undefined && sample.query !== null
      ? { kind: 'prediction', runId, imageId, sampleId: sample.id }
      : { kind: 'prediction', runId, imageId };
  }, [runId, runHasMasks, imageId, selected?.sampleId, detail.data?.samples]);
  // Ground truth follows the same sample: a referring query's own mask.
  const gtRef: BlobRef | null = useMemo(() => {
    const base = detail.data?.groundTruth ?? null;
    const sample = detail.data?.samples.find((s) => s.id === selected?.sampleId);
    return base !== null && sample !== undefined && sample.query !== null
      ? { kind: 'labelmap', imageId, source: 'gt', sampleId: sample.id }
      : base;
  }, [imageId, selected?.sampleId, detail.data?.groundTruth, detail.data?.samples]);
  const gt = useBlobBytes(gtRef);
  const pred = usePredictionBytes(predRef);

  // Keyboard: previous/next, zoom, layers, annotate, back to the gallery, ? for the list.
  const keyState = { nav, help, datasetId, query: nav.query };
  const keys = useRef(keyState);
  keys.current = keyState;
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (keysBelongTo(e.target, e.key)) return;
      const k = keys.current;
      if (k.help && (e.key === 'Escape' || e.key === '?')) {
        e.preventDefault();
        setHelp(false);
        return;
      }
      const action = viewerAction(e);
      if (action === null) return;
      e.preventDefault();
      if (action.kind === 'nav') k.nav.go(action.step);
      else if (action.kind === 'zoom') zoom(action.to);
      else if (action.kind === 'layer')
        setLayers((l) => ({ ...l, [action.layer]: { ...l[action.layer], visible: !l[action.layer].visible } }));
      else if (action.kind === 'annotate') window.location.hash = annotateHref(imageId, k.query);
      else if (action.kind === 'gallery' && k.datasetId !== undefined) window.location.hash = galleryHref(k.datasetId, k.query);
      else if (action.kind === 'help') setHelp((h) => !h);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [imageId]);

  const view = useMemo(
    () => (selected === null || values.data === undefined ? null : heatmapView(selected, values.data, settings)),
    [selected, values.data, settings],
  );
  useEffect(() => setSettings((s) => ({ ...s, channel: 0, patch: null })), [selected?.sampleId, selected?.name]);

  const img = detail.data;
  const width = img?.width ?? 1;
  const height = img?.height ?? 1;
  const classes = useMemo(() => img?.classes ?? [], [img?.classes]);
  const [gtStyle, setGtStyle] = useGtStyle();
  const predShown = runId !== null && pred.data != null && layers.pred.visible;
  const bitmaps = useViewerLayers({
    gtStyle: gtDrawnAs(gtStyle, predShown),
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
  const hasPred = runId !== null && pred.data != null;

  return (
    <section className="viewer">
      <header className="page-header">
        <a href={galleryHref(img.datasetId, nav.query)} data-testid="back-to-gallery">
          Gallery
        </a>{' '}
        / <h2 title={img.path}>{img.fileName}</h2>
        <span className="muted">
          {img.width}×{img.height} · {img.reviewState}
          {img.tags.length > 0 ? ` · ${img.tags.join(', ')}` : ''}
        </span>
        <NavButtons nav={nav} />
        <a className="button" data-testid="open-annotate" href={annotateHref(img.id, nav.query)}>
          Annotate
        </a>
        {runList.length >= 2 ? (
          <a className="button" data-testid="open-compare" href={`#/compare/${img.datasetId}?image=${img.id}`}>
            Compare runs
          </a>
        ) : null}
        <button className="help-button" data-testid="help-button" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)">
          ?
        </button>
      </header>
      <div className="viewer-body">
        <aside className="layers-panel" aria-label="Layers">
          <Section id="run" title="Run">
            <select
              data-testid="run-select"
              value={runId ?? 'none'}
              onChange={(e) => setRunChoice(e.target.value === 'none' ? 'none' : Number(e.target.value))}
            >
              <option value="none">no run</option>
              {runList.map((r) => (
                <option key={r.id} value={r.id}>
                  {runDisplayName(r)}
                </option>
              ))}
            </select>
          </Section>
          <Section id="layers" title="Layers">
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
            <OverlayLegend
              gt={img.groundTruth !== null && layers.gt.visible}
              pred={predShown}
              errors={hasPred && img.groundTruth !== null && layers.diff.visible}
              style={gtStyle}
              onStyle={setGtStyle}
            />
          </Section>
          <div className="view-buttons">
            <button data-testid="fit" onClick={() => zoom('fit')} title="Fit (F)">
              Fit
            </button>
            <button data-testid="actual-size" onClick={() => zoom('actual')} title="1:1 (1)">
              1:1
            </button>
            <button data-testid="zoom-out" onClick={() => zoom('out')} title="Zoom out (−)">
              −
            </button>
            <button data-testid="zoom-in" onClick={() => zoom('in')} title="Zoom in (+)">
              +
            </button>
          </div>
          {heatmapList.length > 0 ? (
            <Section id="tokens" title="Token tools">
              <TokenPanel
                choices={heatmapList.map((h) => ({ key: `${h.sampleId}:${h.name}`, name: h.name, query: h.query }))}
                selected={selected === null ? null : `${selected.sampleId}:${selected.name}`}
                onSelect={setHeatmapKey}
                view={view}
                settings={settings}
                onSettings={setSettings}
                colormap={colormap}
                onColormap={setColormap}
                classes={classes}
              />
            </Section>
          ) : null}
          {classes.length > 0 ? (
            <Section id="classes" title="Classes">
              <ClassLegend classes={classes} hidden={hidden} onChange={setHidden} />
            </Section>
          ) : null}
          {[gt.error, pred.error, values.error, heatmaps.error, runs.error].map((e, i) => (e ? <ErrorBanner key={i} error={e} /> : null))}
        </aside>
        <div className="viewer-main">
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
          <p className="inspector viewer-status" data-testid="inspector">
            {inspectorText(hover, { width, height, classes, gt: gt.data ?? null, pred: hasPred ? (pred.data ?? null) : null, view })}
          </p>
        </div>
      </div>
      {help ? <ShortcutHelp rows={VIEWER_SHORTCUTS} onClose={() => setHelp(false)} /> : null}
    </section>
  );
}
