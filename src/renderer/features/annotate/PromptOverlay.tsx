import { useMemo } from 'react';
import { Circle, Image as KonvaImage } from 'react-konva';
import type { ToolPreview } from '../../canvas/tools/Tool';

type PromptPreview = Extract<ToolPreview, { kind: 'prompt' }>;

export const POSITIVE_POINT = '#2ecc40';
export const NEGATIVE_POINT = '#ff4136';

/** The proposal as an offscreen canvas the size of its box, in the class colour (alpha comes from the node's opacity). */
function proposalCanvas(proposal: PromptPreview['proposal'], color: readonly [number, number, number]): HTMLCanvasElement | null {
  if (proposal === null) return null;
  const canvas = document.createElement('canvas');
  canvas.width = proposal.w;
  canvas.height = proposal.h;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return null;
  const rgba = new Uint8ClampedArray(proposal.w * proposal.h * 4);
  for (let i = 0; i < proposal.mask.length; i++) {
    if (proposal.mask[i] === 0) continue;
    rgba.set([color[0], color[1], color[2], 255], i * 4);
  }
  ctx.putImageData(new ImageData(rgba, proposal.w, proposal.h), 0, 0);
  return canvas;
}

/** The prompt tool's points (green: the object, red: not the object) and the model's proposal, translucent. */
export function PromptOverlay({
  preview,
  scale,
  color,
}: {
  preview: PromptPreview;
  scale: number;
  color: readonly [number, number, number];
}): React.JSX.Element {
  const [r, g, b] = color;
  const canvas = useMemo(() => proposalCanvas(preview.proposal, [r, g, b]), [preview.proposal, r, g, b]);
  const p = preview.proposal;
  return (
    <>
      {canvas !== null && p !== null ? (
        <KonvaImage image={canvas} x={p.x} y={p.y} width={p.w} height={p.h} opacity={preview.pending ? 0.3 : 0.55} />
      ) : null}
      {preview.points.map((q, i) => (
        <Circle
          key={i}
          x={q.x}
          y={q.y}
          radius={5 / scale}
          fill={q.label === 1 ? POSITIVE_POINT : NEGATIVE_POINT}
          stroke="#fff"
          strokeWidth={1.5 / scale}
        />
      ))}
    </>
  );
}
