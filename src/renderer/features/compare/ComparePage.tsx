import { useQuery } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import { runDisplayName, type ClassInfo } from '../../../shared';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { navigate, routeHref, type Route } from '../../router';
import { Viewer, type BitmapLayer } from '../../canvas/Viewer';
import type { Viewport } from '../../canvas/viewport';
import { useElementSize } from '../../canvas/useElementSize';
import { labelMapCanvas, rgbaCanvas } from '../../canvas/offscreenCanvas';
import { diffCounts, DIFF_COLORS } from '../../canvas/raster/diffToRgba';
import { hatchedDiffToRgba } from '../../canvas/raster/overlayStyle';
import { ErrorLegend, useBlobBytes } from '../viewer';
import { ChangedList, useChangedImages } from './ChangedList';

type CompareRoute = Extract<Route, { page: 'compare' }>;
const IMAGE = { visible: true, opacity: 1 };
const FAR = 1e7;

function maskBitmap(
  labels: Uint8Array | undefined,
  gt: Uint8Array | undefined,
  w: number,
  h: number,
  classes: readonly ClassInfo[],
  errors: boolean,
): HTMLCanvasElement | null {
  if (labels === undefined || labels.length !== w * h) return null;
  if (errors) return gt !== undefined && gt.length === w * h ? rgbaCanvas(hatchedDiffToRgba(gt, labels, w, h), w, h) : null;
  return labelMapCanvas(labels, w, h, classes);
}

function Counts({
  gt,
  pred,
  testId,
}: {
  gt: Uint8Array | undefined;
  pred: Uint8Array | undefined;
  testId: string;
}): React.JSX.Element | null {
  if (gt === undefined || pred === undefined || gt.length !== pred.length) return null;
  const c = diffCounts(gt, pred);
  const css = (k: keyof typeof DIFF_COLORS): string => `rgb(${DIFF_COLORS[k].slice(0, 3).join(',')})`;
  return (
    <span
      className="small"
      data-testid={testId}
      title="Pixels of this image: TP the right class; FP a class where the ground truth has another (a wrong class counts here, not as FN); FN ground truth predicted as background; ignored pixels (255) not counted"
    >
      <span style={{ color: css('truePositive') }}>TP {c.tp}</span> · <span style={{ color: css('falsePositive') }}>FP {c.fp}</span> ·{' '}
      <span style={{ color: css('falseNegative') }}>FN {c.fn}</span>
    </span>
  );
}

/** Two runs on one image: side by side with linked zoom/pan, or one view with a swipe; masks or TP/FP/FN against ground truth. */
export function ComparePage({ route }: { route: CompareRoute }): React.JSX.Element {
  // The dataset itself: a link to one that does not exist says so (runs.list alone reads as "no runs").
  const dataset = useQuery(apiQuery('datasets.get', { datasetId: route.datasetId }));
  const runs = useQuery(apiQuery('runs.list', { datasetId: route.datasetId }));
  // Runs with masks: a run of heatmaps only has no prediction to compare (a run named in the link stays listed).
  const list = (runs.data ?? []).filter((r) => r.hasMasks || r.id === route.runA || r.id === route.runB);
  const runA = route.runA ?? list[0]?.id ?? null;
  const runB = route.runB ?? list.find((r) => r.id !== runA)?.id ?? null;
  const changed = useChangedImages(route.datasetId, runA, runB);
  const imageId = route.imageId ?? changed.rows[0]?.imageId ?? null;
  const detail = useQuery({ ...apiQuery('images.get', { imageId: imageId ?? 0 }), enabled: imageId !== null });
  const gt = useBlobBytes(detail.data?.groundTruth ?? null);
  const predA = useBlobBytes(imageId === null || runA === null ? null : { kind: 'prediction', runId: runA, imageId });
  const predB = useBlobBytes(imageId === null || runB === null ? null : { kind: 'prediction', runId: runB, imageId });
  const [mode, setMode] = useState<'side' | 'swipe'>('side');
  const [errors, setErrors] = useState(false);
  const [opacity, setOpacity] = useState(0.6);
  const [swipe, setSwipe] = useState(0.5);
  const [viewport, setViewport] = useState<Viewport | null>(null);
  const [command, setCommand] = useState<{ kind: 'fit' | 'actual'; seq: number }>({ kind: 'fit', seq: 0 });
  const swipeBox = useRef<HTMLDivElement>(null);
  const swipeSize = useElementSize(swipeBox);

  // Never drop the shared viewport to null while the canvases stay mounted: a Viewer fits a null
  // viewport only when its image or size changes, so switching a run (same image, same size) used to
  // leave both canvases blank until Fit. Instead ask both for a fit; a run switch keeps zoom and pan.
  const refit = (): void => setCommand((c) => ({ kind: 'fit', seq: c.seq + 1 }));
  const switchMode = (m: 'side' | 'swipe'): void => {
    setMode(m);
    refit(); // the panes change size
  };
  const go = (patch: Partial<CompareRoute>): void => {
    if (patch.imageId !== undefined && patch.imageId !== imageId) refit();
    navigate({ ...route, runA, runB, imageId, ...patch });
  };
  const img = detail.data;
  const w = img?.width ?? 1;
  const h = img?.height ?? 1;
  const classes = useMemo(() => img?.classes ?? [], [img?.classes]);
  const bitmapA = useMemo(() => maskBitmap(predA.data, gt.data, w, h, classes, errors), [predA.data, gt.data, w, h, classes, errors]);
  const bitmapB = useMemo(() => maskBitmap(predB.data, gt.data, w, h, classes, errors), [predB.data, gt.data, w, h, classes, errors]);
  const swipeX = viewport === null ? w / 2 : (swipe * (swipeSize.w - 2) - viewport.x) / viewport.scale;
  const layersA: BitmapLayer[] = useMemo(
    () =>
      bitmapA === null
        ? []
        : [
            {
              id: 'a',
              bitmap: bitmapA,
              opacity,
              smooth: false,
              ...(mode === 'swipe' ? { clip: { x: -FAR, y: -FAR, width: FAR + swipeX, height: 2 * FAR } } : {}),
            },
          ],
    [bitmapA, opacity, mode, swipeX],
  );
  const layersB: BitmapLayer[] = useMemo(
    () =>
      bitmapB === null
        ? []
        : [
            {
              id: 'b',
              bitmap: bitmapB,
              opacity,
              smooth: false,
              ...(mode === 'swipe' ? { clip: { x: swipeX, y: -FAR, width: FAR, height: 2 * FAR } } : {}),
            },
          ],
    [bitmapB, opacity, mode, swipeX],
  );

  const failed = dataset.error ?? runs.error;
  if (failed) return <ErrorBanner error={failed} />;
  // No run to put on a side (one run with masks: B) shows as such, never as the other side's run.
  const runSelect = (which: 'runA' | 'runB', value: number | null, testId: string): React.JSX.Element => (
    <select data-testid={testId} value={value ?? ''} onChange={(e) => go({ [which]: Number(e.target.value) })}>
      {value === null ? (
        <option value="" disabled>
          — no other run —
        </option>
      ) : null}
      {list.map((r) => (
        <option key={r.id} value={r.id}>
          {runDisplayName(r)}
        </option>
      ))}
    </select>
  );
  const nameOf = (id: number | null): string => list.find((r) => r.id === id)?.name ?? '—';
  const viewerProps = { width: w, height: h, image: IMAGE, command, viewport, onViewportChange: setViewport, onHover: () => undefined };
  return (
    <section className="compare">
      <header className="page-header">
        <a href={routeHref({ page: 'gallery', datasetId: route.datasetId })}>Gallery</a> / <h2>Compare runs</h2>
        {img !== undefined ? (
          <a href={routeHref({ page: 'viewer', imageId: img.id })} className="muted">
            {img.fileName}
          </a>
        ) : null}
      </header>
      {runs.data !== undefined && list.length < 2 ? (
        <p className="muted" data-testid="compare-needs-runs">
          This dataset needs two runs with predicted masks to compare
          {runs.data.length > list.length
            ? ` (${runs.data.length - list.length} of its runs ${runs.data.length - list.length === 1 ? 'has' : 'have'} heatmaps or embeddings only)`
            : ''}
          .
        </p>
      ) : null}
      <div className="compare-toolbar">
        A {runSelect('runA', runA, 'compare-run-a')} B {runSelect('runB', runB, 'compare-run-b')}
        <label>
          <input type="radio" name="mode" data-testid="mode-side" checked={mode === 'side'} onChange={() => switchMode('side')} /> side by
          side
        </label>
        <label>
          <input type="radio" name="mode" data-testid="mode-swipe" checked={mode === 'swipe'} onChange={() => switchMode('swipe')} /> swipe
        </label>
        <label>
          <input
            type="checkbox"
            data-testid="compare-errors"
            checked={errors}
            onChange={(e) => setErrors(e.target.checked)}
            disabled={img?.groundTruth == null}
          />{' '}
          errors vs GT (TP/FP/FN)
        </label>
        {errors ? <ErrorLegend testId="compare-error-legend" /> : null}
        <label>
          opacity{' '}
          <input
            type="range"
            min={0}
            max={1}
            step={0.05}
            data-testid="compare-opacity"
            value={opacity}
            onChange={(e) => setOpacity(Number(e.target.value))}
          />
        </label>
        {mode === 'swipe' ? (
          <label>
            swipe{' '}
            <input
              type="range"
              min={0}
              max={1}
              step={0.01}
              data-testid="swipe"
              value={swipe}
              onChange={(e) => setSwipe(Number(e.target.value))}
            />
          </label>
        ) : null}
        <button data-testid="fit" onClick={refit}>
          Fit
        </button>
      </div>
      {[changed.error, detail.error, gt.error, predA.error, predB.error].map((e, i) => (e ? <ErrorBanner key={i} error={e} /> : null))}
      <div className="compare-body">
        <ChangedList
          rows={changed.rows}
          byScore={changed.byScore}
          metric={changed.metric}
          current={imageId}
          onPick={(id) => go({ imageId: id })}
        />
        <div className="compare-main" ref={swipeBox}>
          {img === undefined ? (
            <p className="muted">{imageId === null ? 'No image to compare yet.' : 'Loading image…'}</p>
          ) : mode === 'side' ? (
            <div className="compare-panes">
              <div className="compare-pane">
                <div className="pane-title">
                  A: {nameOf(runA)} <Counts gt={gt.data} pred={predA.data} testId="counts-a" />
                </div>
                <Viewer {...viewerProps} imageUrl={client.blobUrl(img.image)} layers={layersA} testId="compare-a" />
              </div>
              <div className="compare-pane">
                <div className="pane-title">
                  B: {nameOf(runB)} <Counts gt={gt.data} pred={predB.data} testId="counts-b" />
                </div>
                <Viewer {...viewerProps} imageUrl={client.blobUrl(img.image)} layers={layersB} testId="compare-b" />
              </div>
            </div>
          ) : (
            <div className="compare-pane swipe-pane">
              <div className="pane-title">
                ← A: {nameOf(runA)} | B: {nameOf(runB)} →
              </div>
              <Viewer {...viewerProps} imageUrl={client.blobUrl(img.image)} layers={[...layersA, ...layersB]} testId="compare-swipe" />
              <div className="swipe-line" style={{ left: `${swipe * 100}%` }} />
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
