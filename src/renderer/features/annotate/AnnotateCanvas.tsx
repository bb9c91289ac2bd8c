import { useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Image as KonvaImage, Layer, Stage } from 'react-konva';
import type Konva from 'konva';
import { fitViewport, screenToImage, zoomAt, type Viewport } from '../../canvas/viewport';
import { useImageElement } from '../../canvas/useImageElement';
import type { AnnotationEditor } from '../../canvas/tools/AnnotationEditor';
import { MaskBitmap } from './MaskBitmap';
import { ToolOverlay } from './ToolOverlay';
import { predictionCanvas } from './predictionLayer';
import { useElementSize } from '../../canvas/useElementSize';
import { ZoomReadout } from '../../canvas/ZoomReadout';

export interface AnnotateCanvasProps {
  editor: AnnotationEditor;
  imageUrl: string;
  lut: Uint8ClampedArray;
  maskOpacity: number;
  colorOf(classIdx: number): readonly [number, number, number];
  /** Bumped by the page to fit the image again. */
  fitSeq: number;
  /** A run's prediction drawn over the ground truth as outlines (null: none shown). */
  prediction?: { labels: Uint8Array; opacity: number } | null;
  onHover(p: { x: number; y: number; label: number } | null): void;
}

/**
 * The annotation stage: image, label map bitmap, tool layer. Pointer events go to the editor in image
 * coordinates; the wheel zooms to the cursor; the middle button or Space+drag pans. Every Konva layer
 * has listening off: hit testing is the editor's job, not Konva's.
 */
export function AnnotateCanvas(props: AnnotateCanvasProps): React.JSX.Element {
  const { editor } = props;
  const container = useRef<HTMLDivElement>(null);
  const size = useElementSize(container);
  const { image, error } = useImageElement(props.imageUrl);
  const snap = useSyncExternalStore(editor.subscribe, editor.getSnapshot);
  const [viewport, setViewport] = useState<Viewport | null>(null);
  const pan = useRef<{ x: number; y: number; start: Viewport } | null>(null);
  const space = useRef(false);
  const maskNode = useRef<Konva.Image>(null);
  const bitmap = useMemo(() => new MaskBitmap(editor.width, editor.height), [editor]);
  const painted = useRef<{ bitmap: MaskBitmap; version: number; lut: Uint8ClampedArray } | null>(null);
  const predLabels = props.prediction?.labels ?? null;
  const predBitmap = useMemo(
    () =>
      predLabels !== null && predLabels.length === editor.width * editor.height
        ? predictionCanvas(predLabels, editor.width, editor.height, props.lut)
        : null,
    [predLabels, editor, props.lut],
  );

  // Repaint only the edited box when one edit landed since the last paint; everything otherwise
  // (first paint, new colours, a reloaded map, several edits at once).
  useLayoutEffect(() => {
    const last = painted.current;
    const incremental = last !== null && last.bitmap === bitmap && last.lut === props.lut && last.version === snap.labelsVersion - 1;
    bitmap.paint(editor.labels, props.lut, incremental ? snap.dirty : null);
    painted.current = { bitmap, version: snap.labelsVersion, lut: props.lut };
    maskNode.current?.getLayer()?.batchDraw();
  }, [bitmap, editor, snap.labelsVersion, snap.dirty, props.lut]);

  useEffect(() => {
    if (size.w > 0 && size.h > 0) setViewport(fitViewport(editor.width, editor.height, size.w, size.h));
  }, [editor, size.w, size.h, props.fitSeq]);

  useEffect(() => {
    const down = (e: KeyboardEvent): void => {
      // Space pans only where it means nothing else: not in a text field, not on a focused button.
      if (e.key === ' ' && (e.target === document.body || e.target === container.current)) {
        space.current = true;
        e.preventDefault();
      }
    };
    const up = (e: KeyboardEvent): void => {
      if (e.key === ' ') space.current = false;
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
    };
  }, []);

  const local = (e: { clientX: number; clientY: number }): { x: number; y: number } => {
    const el = container.current;
    if (el === null) return { x: e.clientX, y: e.clientY };
    // The stage sits inside the border: measure from the content box, not the border box.
    const rect = el.getBoundingClientRect();
    return { x: e.clientX - rect.left - el.clientLeft, y: e.clientY - rect.top - el.clientTop };
  };
  const toImage = (e: { clientX: number; clientY: number; button: number; shiftKey: boolean; altKey: boolean }) => {
    const v = viewport as Viewport;
    return {
      ...screenToImage(v, local(e)),
      imagePixelsPerScreenPixel: 1 / v.scale,
      button: e.button,
      shiftKey: e.shiftKey,
      altKey: e.altKey,
    };
  };

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>): void => {
    if (viewport === null) return;
    container.current?.focus();
    e.currentTarget.setPointerCapture(e.pointerId);
    if (e.button === 1 || (e.button === 0 && space.current)) {
      pan.current = { ...local(e), start: viewport };
      return;
    }
    // The secondary button reaches only the prompt tool (a negative point); it never paints.
    if (e.button === 0 || (e.button === 2 && editor.getSnapshot().toolId === 'prompt')) editor.pointerDown(toImage(e));
  };
  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>): void => {
    if (viewport === null) return;
    if (pan.current !== null) {
      const p = local(e);
      setViewport({ ...pan.current.start, x: pan.current.start.x + p.x - pan.current.x, y: pan.current.start.y + p.y - pan.current.y });
      return;
    }
    const p = toImage(e);
    editor.pointerMove(p);
    const x = Math.floor(p.x);
    const y = Math.floor(p.y);
    props.onHover(
      x >= 0 && y >= 0 && x < editor.width && y < editor.height ? { x, y, label: editor.labels[y * editor.width + x] as number } : null,
    );
  };
  const onPointerUp = (e: React.PointerEvent<HTMLDivElement>): void => {
    if (pan.current !== null) {
      pan.current = null;
      return;
    }
    if (viewport !== null && e.button === 0) editor.pointerUp(toImage(e));
  };
  const onWheel = (e: React.WheelEvent<HTMLDivElement>): void => {
    if (viewport === null) return;
    setViewport(zoomAt(viewport, local(e), Math.exp(-e.deltaY * 0.0015)));
  };

  return (
    <div
      className={snap.locked ? 'annotate-canvas locked' : 'annotate-canvas'}
      ref={container}
      tabIndex={0}
      data-testid="annotate-canvas"
      data-tool-path={snap.toolPath}
      data-locked={snap.locked}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={() => editor.cancel()}
      onPointerLeave={() => {
        editor.pointerLeave();
        props.onHover(null);
      }}
      onDoubleClick={() => editor.keyDown('Enter')}
      onWheel={onWheel}
      onContextMenu={(e) => e.preventDefault()}
    >
      {error !== null ? <div className="canvas-error">{error}</div> : null}
      {viewport !== null && size.w > 0 ? (
        <Stage
          width={size.w}
          height={size.h}
          x={viewport.x}
          y={viewport.y}
          scaleX={viewport.scale}
          scaleY={viewport.scale}
          listening={false}
        >
          <Layer listening={false} imageSmoothingEnabled={viewport.scale < 1}>
            {image !== null ? <KonvaImage image={image} width={editor.width} height={editor.height} /> : null}
          </Layer>
          <Layer listening={false} imageSmoothingEnabled={false}>
            <KonvaImage ref={maskNode} image={bitmap.canvas} width={editor.width} height={editor.height} opacity={props.maskOpacity} />
          </Layer>
          {predBitmap !== null ? (
            <Layer listening={false} imageSmoothingEnabled={false}>
              <KonvaImage image={predBitmap} width={editor.width} height={editor.height} opacity={props.prediction?.opacity ?? 1} />
            </Layer>
          ) : null}
          <Layer listening={false} imageSmoothingEnabled={false}>
            <ToolOverlay snap={snap} scale={viewport.scale} colorOf={props.colorOf} />
          </Layer>
        </Stage>
      ) : null}
      {viewport !== null ? <ZoomReadout scale={viewport.scale} /> : null}
    </div>
  );
}
