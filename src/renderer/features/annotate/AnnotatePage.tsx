import { useEffect, useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { apiQuery } from '../../api/queries';
import { client } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { shortcutFor } from '../../canvas/tools/shortcuts';
import { AnnotateCanvas } from './AnnotateCanvas';
import { SaveStatus, ToolPanel } from './ToolPanel';
import { AddClassesBanner } from './AddClassesBanner';
import { PromptPanel } from './PromptPanel';
import { ReviewPanel } from './ReviewPanel';
import { QueryEditor } from './QueryEditor';
import { HelpOverlay } from './HelpOverlay';
import { className, colorLookup, hasNoClasses, labelLut, pickableClasses, queryMaskClasses } from './classes';
import { PredictionPanel } from './PredictionPanel';
import { usePredictionLayer } from './predictionLayer';
import { CLASS_FILTER_ID, CommitFlash } from './ClassPicker';
import { useRememberedClass } from './rememberedClass';
import { MaskSamplePicker } from './MaskSamplePicker';
import { useAnnotationSession, useSyncStatus, type AnnotationSession } from './session';
import { NAV_SHORTCUTS, NavButtons, keysBelongTo, useImageNav, useNavKeys } from '../viewer/ImageNav';
import { galleryHref, parseGalleryView, viewerHref } from '../gallery/galleryView';
import './annotate.css';

/**
 * Whether the focused control takes `key` itself (viewer/ImageNav.ts keysBelongTo), or it is Space or
 * Enter on a checkbox, which toggle it: then the tool shortcuts stay out.
 */
function controlKey(target: EventTarget | null, key: string): boolean {
  if (keysBelongTo(target, key)) return true;
  const toggle = target instanceof HTMLInputElement && ['checkbox', 'radio'].includes(target.type);
  return toggle && (key === ' ' || key === 'Enter');
}

function predictedName(classes: Parameters<typeof className>[0], label: number): string {
  return label === 0 ? 'background' : className(classes, label);
}

/** Said instead of undoing or redoing another window's edit (the image's history is shared). */
const OTHERS_HISTORY =
  "Another window or tab changed this image while it was open here, so this tab undoes and redoes only its own edits since then, and has none left: the other window's edits are undone there (or reload this page to take over the image's whole history).";

function undo(s: AnnotationSession): void {
  const local = s.editor.undo();
  const st = s.sync.getStatus();
  if (local === null && s.othersEdited) {
    if (st.canUndo) s.sync.say(OTHERS_HISTORY);
    return;
  }
  if (local !== null || st.canUndo || st.pending > 0) s.sync.undo(local);
}

function redo(s: AnnotationSession): void {
  const local = s.editor.redo();
  const st = s.sync.getStatus();
  if (local === null && s.othersEdited) {
    if (st.canRedo) s.sync.say(OTHERS_HISTORY);
    return;
  }
  if (local !== null || st.canRedo || st.pending > 0) s.sync.redo(local);
}

/**
 * #/annotate/<imageId>: correct the ground truth with brush, eraser, polygon, fill and class picker.
 * Every edit is saved as it is made (a new annotation version; undo/redo live in the workspace).
 */
export function AnnotatePage({ imageId }: { imageId: number }): React.JSX.Element {
  const detail = useQuery(apiQuery('images.get', { imageId }));
  // Which mask is edited: the image's label map, or one referring/reasoning query's binary mask.
  const [askedSample, setAskedSample] = useState<number | undefined>(undefined);
  const state = useQuery(apiQuery('annotations.get', askedSample === undefined ? { imageId } : { imageId, sampleId: askedSample }));
  const size = detail.data === undefined ? null : { width: detail.data.width, height: detail.data.height };
  const { session, error } = useAnnotationSession(imageId, size, askedSample);
  const editedQuery = state.data?.query ?? null;
  const status = useSyncStatus(session, state.data?.revision);
  const [help, setHelp] = useState(false);
  const [opacity, setOpacity] = useState(0.6);
  const [fitSeq, setFitSeq] = useState(0);
  const [hover, setHover] = useState<{ x: number; y: number; label: number } | null>(null);
  const binary = editedQuery !== null;
  const classes = useMemo(
    () => (binary ? queryMaskClasses(detail.data?.classes ?? []) : pickableClasses(detail.data?.classes ?? [])),
    [binary, detail.data?.classes],
  );
  // A label map of a dataset without classes: every label would be refused, so painting is locked.
  const noClasses = !binary && detail.data !== undefined && hasNoClasses(detail.data.classes);
  useEffect(() => session?.editor.setLocked(noClasses), [session, noClasses]);
  const lut = useMemo(() => labelLut(classes), [classes]);
  const colorOf = useMemo(() => colorLookup(classes), [classes]);
  // Previous / next in the gallery's view (edits are saved as made; leaving flushes the one in progress).
  const nav = useImageNav(imageId, detail.data?.datasetId, 'annotate');
  useNavKeys(nav);
  const galleryView = parseGalleryView(nav.query);
  const prediction = usePredictionLayer({
    datasetId: detail.data?.datasetId,
    imageId,
    querySampleId: binary ? (state.data?.sampleId ?? undefined) : undefined,
    galleryRunId:
      galleryView.overlay.kind === 'pred' ? galleryView.overlay.runId : galleryView.sort.by === 'score' ? galleryView.sort.runId : null,
    editor: session?.editor ?? null,
  });
  useRememberedClass(session?.editor ?? null, detail.data?.datasetId, classes, binary);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (controlKey(e.target, e.key)) return;
      if (help && (e.key === 'Escape' || e.key === '?')) {
        setHelp(false);
        return;
      }
      if (session === null) return;
      if (session.editor.keyDown(e.key)) {
        e.preventDefault();
        return;
      }
      const action = shortcutFor(e);
      if (action === null) return;
      e.preventDefault();
      if (action.kind === 'tool') session.editor.setTool(action.tool);
      else if (action.kind === 'class' && classes.some((c) => c.index === action.slot)) session.editor.setActiveClass(action.slot);
      else if (action.kind === 'brush') session.editor.stepBrush(action.step);
      else if (action.kind === 'find-class') document.getElementById(CLASS_FILTER_ID)?.focus();
      else if (action.kind === 'undo') undo(session);
      else if (action.kind === 'redo') redo(session);
      else if (action.kind === 'help') setHelp((h) => !h);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [session, classes, help]);

  if (detail.error) return <ErrorBanner error={detail.error} />;
  if (detail.isPending) return <p className="muted">Loading image…</p>;
  const img = detail.data;
  const noLabelMap = state.data?.sampleId === null;
  const showPrediction =
    prediction.visible && prediction.labels !== null ? { labels: prediction.labels, opacity: prediction.opacity } : null;

  return (
    <section className="annotate">
      <header className="page-header">
        <a href={galleryHref(img.datasetId, nav.query)} data-testid="back-to-gallery">
          Gallery
        </a>{' '}
        /{' '}
        <a href={viewerHref(imageId, nav.query)} title={img.path} data-testid="back-to-viewer">
          {img.fileName}
        </a>{' '}
        / <h2>Annotate</h2>
        <span className="muted">
          {img.width}×{img.height}
        </span>
        <NavButtons nav={nav} />
        <button className="annotate-help-button" data-testid="help-button" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)">
          ?
        </button>
      </header>
      <div className="annotate-body">
        <aside className="layers-panel annotate-panel" aria-label="Annotation">
          <div className="annotate-panel-scroll" data-testid="annotate-panel-scroll">
            {session !== null ? (
              <ToolPanel
                editor={session.editor}
                status={status}
                classes={classes}
                onUndo={() => undo(session)}
                onRedo={() => redo(session)}
              >
                <PredictionPanel editor={session.editor} layer={prediction} classes={classes} />
              </ToolPanel>
            ) : null}
            {session !== null ? <PromptPanel editor={session.editor} imageId={imageId} /> : null}
            <label className="annotate-brush">
              Mask opacity
              <input
                type="range"
                data-testid="mask-opacity"
                min={0}
                max={1}
                step={0.05}
                value={opacity}
                onChange={(e) => setOpacity(Number(e.target.value))}
              />
            </label>
            <button onClick={() => setFitSeq(fitSeq + 1)}>Fit</button>
            <h3>Inspector</h3>
            <p className="inspector" data-testid="annotate-inspector">
              {hover === null ? '—' : `x ${hover.x}, y ${hover.y} · ${hover.label === 0 ? 'background' : className(classes, hover.label)}`}
              {hover !== null && prediction.labels !== null && prediction.labels.length === img.width * img.height
                ? ` · predicted ${predictedName(classes, prediction.labels[hover.y * img.width + hover.x] as number)}`
                : ''}
            </p>
            <ReviewPanel imageId={imageId} reviewState={img.reviewState} tags={img.tags} />
            <MaskSamplePicker samples={img.samples} selected={state.data?.sampleId ?? null} onSelect={(id) => setAskedSample(id)} />
            <QueryEditor samples={state.data?.querySamples ?? []} />
            {state.data !== undefined && state.data.regions.length > 0 ? (
              <>
                <h3>Regions</h3>
                <ul className="legend" data-testid="regions">
                  {state.data.regions.map((r) => (
                    <li key={r.annotationId}>
                      {className(classes, r.classIdx)}: v{r.version} of {r.versions}
                      {r.deleted ? ' (erased)' : ` · ${r.area} px`}
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
            {error !== null ? <ErrorBanner error={error} /> : null}
            {state.error ? <ErrorBanner error={state.error} /> : null}
          </div>
          {session !== null ? (
            <div className="annotate-panel-footer">
              <SaveStatus status={status} />
            </div>
          ) : null}
        </aside>
        {noLabelMap ? (
          <p className="muted">This image has no label map and no query mask to paint.</p>
        ) : session !== null ? (
          <div className="annotate-main">
            {noClasses ? <AddClassesBanner datasetId={img.datasetId} /> : null}
            {session.query !== null ? (
              <p className="annotate-query" data-testid="annotate-query">
                <span className="muted">Query</span> “{session.query}” <span className="muted">· paint what it names</span>
              </p>
            ) : null}
            <AnnotateCanvas
              editor={session.editor}
              imageUrl={client.blobUrl(img.image)}
              lut={lut}
              maskOpacity={opacity}
              colorOf={colorOf}
              fitSeq={fitSeq}
              onHover={setHover}
              prediction={showPrediction}
            />
            <CommitFlash editor={session.editor} classes={classes} />
          </div>
        ) : (
          <p className="muted">Loading label map…</p>
        )}
      </div>
      {help ? <HelpOverlay onClose={() => setHelp(false)} extra={NAV_SHORTCUTS} /> : null}
    </section>
  );
}
