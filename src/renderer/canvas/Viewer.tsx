import { useEffect, useMemo, useRef, useState } from 'react';
import { Image as KonvaImage, Layer, Stage } from 'react-konva';
import type Konva from 'konva';
import { actualSize, fitViewport, screenToImage, zoomAt, type Viewport } from './viewport';
import { labelMapCanvas } from './MaskBitmap';
import { useImageElement } from './useImageElement';

export interface LayerState {
  visible: boolean;
  opacity: number;
}

export interface ViewerProps {
  imageUrl: string;
  width: number;
  height: number;
  classes: ReadonlyArray<{ index: number; name: string; color: readonly [number, number, number] }>;
  groundTruth: Uint8Array | null;
  layers: { image: LayerState; gt: LayerState };
  /** Bumped by the toolbar to request fit / 1:1. */
  command: { kind: 'fit' | 'actual'; seq: number };
  onHover(info: { x: number; y: number; label: number | null } | null): void;
}

function useElementSize(ref: React.RefObject<HTMLDivElement | null>): { w: number; h: number } {
  const [size, setSize] = useState({ w: 0, h: 0 });
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const observer = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    observer.observe(el);
    setSize({ w: el.clientWidth, h: el.clientHeight });
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

/** The canvas: image + mask bitmaps on Konva layers, zoom to cursor, drag to pan. No fetching here. */
export function Viewer(props: ViewerProps): React.JSX.Element {
  const container = useRef<HTMLDivElement>(null);
  const size = useElementSize(container);
  const { image, error } = useImageElement(props.imageUrl);
  const [viewport, setViewport] = useState<Viewport | null>(null);
  const gtCanvas = useMemo(
    () => (props.groundTruth === null ? null : labelMapCanvas(props.groundTruth, props.width, props.height, props.classes)),
    [props.groundTruth, props.width, props.height, props.classes],
  );

  useEffect(() => {
    if (size.w > 0 && size.h > 0) setViewport(fitViewport(props.width, props.height, size.w, size.h));
  }, [props.imageUrl, props.width, props.height, size.w, size.h]);

  useEffect(() => {
    if (size.w === 0 || props.command.seq === 0) return;
    setViewport((v) => (props.command.kind === 'fit' || v === null ? fitViewport(props.width, props.height, size.w, size.h) : actualSize(v, size.w, size.h)));
  }, [props.command, props.width, props.height, size.w, size.h]);

  const onWheel = (e: Konva.KonvaEventObject<WheelEvent>): void => {
    e.evt.preventDefault();
    const pointer = e.target.getStage()?.getPointerPosition();
    if (pointer == null || viewport === null) return;
    setViewport(zoomAt(viewport, pointer, Math.exp(-e.evt.deltaY * 0.0015)));
  };

  const onMouseMove = (e: Konva.KonvaEventObject<MouseEvent>): void => {
    const pointer = e.target.getStage()?.getPointerPosition();
    if (pointer == null || viewport === null) return;
    const p = screenToImage(viewport, pointer);
    const x = Math.floor(p.x);
    const y = Math.floor(p.y);
    if (x < 0 || y < 0 || x >= props.width || y >= props.height) return props.onHover(null);
    props.onHover({ x, y, label: props.groundTruth === null ? null : (props.groundTruth[y * props.width + x] ?? null) });
  };

  return (
    <div className="viewer-canvas" ref={container} data-testid="viewer-canvas">
      {error !== null ? <div className="canvas-error">{error}</div> : null}
      {viewport !== null && size.w > 0 ? (
        <Stage
          width={size.w}
          height={size.h}
          x={viewport.x}
          y={viewport.y}
          scaleX={viewport.scale}
          scaleY={viewport.scale}
          draggable
          onDragEnd={(e) => {
            if (e.target === e.target.getStage()) setViewport({ ...viewport, x: e.target.x(), y: e.target.y() });
          }}
          onWheel={onWheel}
          onMouseMove={onMouseMove}
          onMouseLeave={() => props.onHover(null)}
        >
          <Layer listening={false} imageSmoothingEnabled={viewport.scale < 1}>
            {image !== null && props.layers.image.visible ? (
              <KonvaImage image={image} width={props.width} height={props.height} opacity={props.layers.image.opacity} />
            ) : null}
          </Layer>
          <Layer listening={false} imageSmoothingEnabled={false}>
            {gtCanvas !== null && props.layers.gt.visible ? (
              <KonvaImage image={gtCanvas} width={props.width} height={props.height} opacity={props.layers.gt.opacity} />
            ) : null}
          </Layer>
        </Stage>
      ) : null}
    </div>
  );
}
