import { Circle, Line } from 'react-konva';
import type { EditorSnapshot } from '../../canvas/tools/AnnotationEditor';
import { PromptOverlay } from './PromptOverlay';

function rgba(color: readonly [number, number, number], alpha: number): string {
  return `rgba(${color[0]},${color[1]},${color[2]},${alpha})`;
}

/**
 * What a tool shows while it works, on the tool layer (a few shapes, never the label map): the brush
 * ring, the stroke in progress, the polygon's vertices. Sizes are divided by the zoom so lines stay thin.
 */
export function ToolOverlay({
  snap,
  scale,
  colorOf,
}: {
  snap: EditorSnapshot;
  scale: number;
  colorOf(classIdx: number): readonly [number, number, number];
}): React.JSX.Element {
  const thin = 1.5 / scale;
  const p = snap.preview;
  const brushLike = snap.toolId === 'brush' || snap.toolId === 'eraser';
  return (
    <>
      {p?.kind === 'stroke' ? (
        <Line
          points={
            p.points.length === 1
              ? [p.points[0]!.x, p.points[0]!.y, p.points[0]!.x + 0.01, p.points[0]!.y]
              : p.points.flatMap((q) => [q.x, q.y])
          }
          stroke={p.value === 0 ? 'rgba(0,0,0,0.55)' : rgba(colorOf(p.value), 0.75)}
          strokeWidth={p.radius * 2}
          lineCap="round"
          lineJoin="round"
        />
      ) : null}
      {p?.kind === 'polygon' ? (
        <>
          <Line
            points={[...p.points, ...(p.cursor === null ? [] : [p.cursor])].flatMap((q) => [q.x, q.y])}
            stroke={rgba(colorOf(p.value), 1)}
            fill={rgba(colorOf(p.value), 0.3)}
            closed={p.points.length >= 2}
            strokeWidth={thin}
          />
          {p.points.map((q, i) => (
            <Circle
              key={i}
              x={q.x}
              y={q.y}
              radius={(i === 0 && p.closable ? 5 : 3) / scale}
              fill={i === 0 && p.closable ? '#fff' : rgba(colorOf(p.value), 1)}
              stroke="#000"
              strokeWidth={1 / scale}
            />
          ))}
        </>
      ) : null}
      {p?.kind === 'prompt' ? <PromptOverlay preview={p} scale={scale} color={colorOf(snap.activeClass)} /> : null}
      {brushLike && snap.cursor !== null ? (
        <Circle
          x={snap.cursor.x}
          y={snap.cursor.y}
          radius={snap.brushRadius}
          stroke="#fff"
          strokeWidth={thin}
          dash={[4 / scale, 3 / scale]}
        />
      ) : null}
    </>
  );
}
