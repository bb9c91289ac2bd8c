import { memo, useEffect, useRef, useState } from 'react';
import { Circle, Group, Image as KonvaImage, Layer, Rect, Shape, Stage } from 'react-konva';
import type Konva from 'konva';
import { actualSize, fitViewport, screenToImage, zoomAt, type Viewport } from './viewport';
import { useImageElement } from './useImageElement';
import { useElementSize } from './useElementSize';
import { mipLevel } from './mipmap';
import { Minimap } from './Minimap';
import { ZoomReadout } from './ZoomReadout';

export interface LayerState {
  visible: boolean;
  opacity: number;
}

/** A rectangle in image pixels. */
export interface ImageRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where a bitmap goes when it does not cover exactly the image (a model's heatmap with padding or a
 * centre crop): stretched over `frame`, shown only inside `visible` (heatmapPlacement in
 * src/shared/domain/heatmapGeometry.ts).
 */
export interface BitmapPlacement {
  frame: ImageRect;
  visible: ImageRect;
}

/** One bitmap over the image (mask, heatmap, diff, token overlay), stretched to the image's size unless placed. */
export interface BitmapLayer {
  id: string;
  bitmap: HTMLCanvasElement;
  opacity: number;
  /** Bilinear when scaled (heatmaps); label maps stay crisp (false). */
  smooth: boolean;
  /** Show only this part, in image pixels (the compare swipe). */
  clip?: { x: number; y: number; width: number; height: number };
  /** Stretch over this frame and show only its valid part instead of covering the image. */
  place?: BitmapPlacement;
}

export interface PointMarker {
  x: number;
  y: number;
  color: string;
}

export interface ViewerProps {
  imageUrl: string;
  width: number;
  height: number;
  image: LayerState;
  /** Drawn bottom to top over the image. */
  layers: readonly BitmapLayer[];
  /** Token grid lines (rows x cols cells over the image, or over `place`) and an outlined cell (the clicked patch). */
  grid?: { rows: number; cols: number; highlight: number | null; place?: BitmapPlacement } | null;
  /** Point prompts (SasP), in image pixels. */
  points?: readonly PointMarker[];
  /** Bumped by the toolbar to request fit / 1:1 / zoom in or out (x2 about the centre). */
  command: { kind: 'fit' | 'actual' | 'in' | 'out'; seq: number };
  /** Controlled viewport (linked views); omit to let the viewer keep its own. */
  viewport?: Viewport | null;
  onViewportChange?(v: Viewport): void;
  onHover(p: { x: number; y: number } | null): void;
  onClick?(p: { x: number; y: number }): void;
  testId?: string;
}

function GridLines({
  rows,
  cols,
  x = 0,
  y = 0,
  width,
  height,
  scale,
}: {
  rows: number;
  cols: number;
  x?: number;
  y?: number;
  width: number;
  height: number;
  scale: number;
}): React.JSX.Element {
  // One shape with a custom draw: a 32x32 grid is 64 lines, not 64 nodes.
  return (
    <Shape
      listening={false}
      sceneFunc={(ctx, shape) => {
        ctx.beginPath();
        for (let c = 0; c <= cols; c++) {
          ctx.moveTo(x + (c * width) / cols, y);
          ctx.lineTo(x + (c * width) / cols, y + height);
        }
        for (let r = 0; r <= rows; r++) {
          ctx.moveTo(x, y + (r * height) / rows);
          ctx.lineTo(x + width, y + (r * height) / rows);
        }
        ctx.strokeShape(shape);
      }}
      stroke="rgba(255,255,255,0.35)"
      strokeWidth={1 / scale}
    />
  );
}

function clipProps(r: ImageRect): { clipX: number; clipY: number; clipWidth: number; clipHeight: number } {
  return { clipX: r.x, clipY: r.y, clipWidth: r.width, clipHeight: r.height };
}

/**
 * The canvas: the image and bitmap layers on Konva, zoom to the cursor with the wheel, drag to pan,
 * fit / 1:1, a minimap while part of the image is out of view. No fetching here: data comes in as
 * props. Large bitmaps are drawn from a mip level near the on-screen resolution (mipmap.ts).
 */
export const Viewer = memo(function Viewer(props: ViewerProps): React.JSX.Element {
  const container = useRef<HTMLDivElement>(null);
  const size = useElementSize(container);
  const { image, error } = useImageElement(props.imageUrl);
  const [own, setOwn] = useState<Viewport | null>(null);
  const controlled = props.viewport !== undefined;
  const viewport = controlled ? (props.viewport ?? null) : own;
  const setViewport = (v: Viewport): void => {
    if (!controlled) setOwn(v);
    props.onViewportChange?.(v);
  };
  const latest = useRef({ setViewport, viewport });
  latest.current = { setViewport, viewport };

  useEffect(() => {
    if (size.w > 0 && size.h > 0 && (latest.current.viewport === null || !controlled)) {
      latest.current.setViewport(fitViewport(props.width, props.height, size.w, size.h));
    }
  }, [props.imageUrl, props.width, props.height, size.w, size.h, controlled]);

  useEffect(() => {
    if (size.w === 0 || props.command.seq === 0) return;
    const v = latest.current.viewport;
    const kind = props.command.kind;
    latest.current.setViewport(
      kind === 'fit' || v === null
        ? fitViewport(props.width, props.height, size.w, size.h)
        : kind === 'actual'
          ? actualSize(v, size.w, size.h)
          : zoomAt(v, { x: size.w / 2, y: size.h / 2 }, kind === 'in' ? 2 : 0.5),
    );
  }, [props.command, props.width, props.height, size.w, size.h]);

  const pointerImage = (e: Konva.KonvaEventObject<MouseEvent>): { x: number; y: number } | null => {
    const stage = e.target.getStage();
    const pointer = stage?.getPointerPosition();
    if (pointer == null || stage == null) return null;
    const p = screenToImage({ scale: stage.scaleX(), x: stage.x(), y: stage.y() }, pointer);
    const x = Math.floor(p.x);
    const y = Math.floor(p.y);
    return x < 0 || y < 0 || x >= props.width || y >= props.height ? null : { x, y };
  };

  const onWheel = (e: Konva.KonvaEventObject<WheelEvent>): void => {
    e.evt.preventDefault();
    const pointer = e.target.getStage()?.getPointerPosition();
    if (pointer == null || viewport === null) return;
    setViewport(zoomAt(viewport, pointer, Math.exp(-e.evt.deltaY * 0.0015)));
  };

  const scale = viewport?.scale ?? 1;
  const gridFrame = props.grid?.place?.frame ?? { x: 0, y: 0, width: props.width, height: props.height };
  return (
    <div className="viewer-canvas" ref={container} data-testid={props.testId ?? 'viewer-canvas'}>
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
          onDragMove={(e) => {
            if (e.target === e.target.getStage()) setViewport({ scale: viewport.scale, x: e.target.x(), y: e.target.y() });
          }}
          onDragEnd={(e) => {
            if (e.target === e.target.getStage()) setViewport({ scale: viewport.scale, x: e.target.x(), y: e.target.y() });
          }}
          onWheel={onWheel}
          onMouseMove={(e) => props.onHover(pointerImage(e))}
          onMouseLeave={() => props.onHover(null)}
          onClick={(e) => {
            const p = pointerImage(e);
            if (p !== null) props.onClick?.(p);
          }}
        >
          <Layer listening={false} imageSmoothingEnabled={scale < 1}>
            {image !== null && props.image.visible ? (
              <KonvaImage image={mipLevel(image, scale, true)} width={props.width} height={props.height} opacity={props.image.opacity} />
            ) : null}
          </Layer>
          {props.layers.map((l) => (
            <Layer
              key={l.id}
              listening={false}
              imageSmoothingEnabled={l.smooth}
              {...(l.clip === undefined ? {} : { clipX: l.clip.x, clipY: l.clip.y, clipWidth: l.clip.width, clipHeight: l.clip.height })}
            >
              {l.place === undefined ? (
                <KonvaImage image={mipLevel(l.bitmap, scale, l.smooth)} width={props.width} height={props.height} opacity={l.opacity} />
              ) : (
                <Group {...clipProps(l.place.visible)}>
                  <KonvaImage image={mipLevel(l.bitmap, scale, l.smooth)} {...l.place.frame} opacity={l.opacity} />
                </Group>
              )}
            </Layer>
          ))}
          <Layer listening={false}>
            {props.grid != null ? (
              <Group {...(props.grid.place === undefined ? {} : clipProps(props.grid.place.visible))}>
                <GridLines rows={props.grid.rows} cols={props.grid.cols} {...gridFrame} scale={scale} />
                {props.grid.highlight !== null ? (
                  <Rect
                    x={gridFrame.x + ((props.grid.highlight % props.grid.cols) * gridFrame.width) / props.grid.cols}
                    y={gridFrame.y + (Math.floor(props.grid.highlight / props.grid.cols) * gridFrame.height) / props.grid.rows}
                    width={gridFrame.width / props.grid.cols}
                    height={gridFrame.height / props.grid.rows}
                    stroke="#ffffff"
                    strokeWidth={2 / scale}
                  />
                ) : null}
              </Group>
            ) : null}
            {(props.points ?? []).map((p, i) => (
              <Circle key={i} x={p.x} y={p.y} radius={5 / scale} fill={p.color} stroke="#000" strokeWidth={1 / scale} />
            ))}
          </Layer>
        </Stage>
      ) : null}
      {viewport !== null ? <ZoomReadout scale={viewport.scale} /> : null}
      {viewport !== null && image !== null ? (
        <Minimap image={image} width={props.width} height={props.height} viewport={viewport} stage={size} onMove={setViewport} />
      ) : null}
    </div>
  );
});
