import { useEffect, useRef } from 'react';
import { colormapLut, type ColormapName } from '../../canvas/raster/colormaps';

function format(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toFixed(3)));
}

/** The colour scale of the heatmap layer: the 256 LUT entries left to right, with the value range. */
export function ColorBar({ colormap, min, max }: { colormap: ColormapName; min: number; max: number }): React.JSX.Element {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx == null) return;
    const lut = colormapLut(colormap);
    const row = new Uint8ClampedArray(256 * 4 * 8);
    for (let y = 0; y < 8; y++) row.set(lut, y * 256 * 4);
    ctx.putImageData(new ImageData(row, 256, 8), 0, 0);
  }, [colormap]);
  return (
    <div className="colorbar" data-testid="colorbar">
      <canvas ref={ref} width={256} height={8} />
      <div className="colorbar-labels">
        <span>{format(min)}</span>
        <span>{format(max)}</span>
      </div>
    </div>
  );
}
