import { maskToRgba } from '../../canvas/raster/maskToRgba';
import { cropBox } from '../../../shared/pure/maskBox';

/**
 * The label map's offscreen canvas, repainted only where an edit landed: one putImageData of the
 * edit's box, not of the whole image, so a stroke on a 4096x4096 map costs its own size.
 */
export class MaskBitmap {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D | null;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    this.ctx = this.canvas.getContext('2d');
  }

  paint(labels: Uint8Array, lut: Uint8ClampedArray, box: { x: number; y: number; w: number; h: number } | null): void {
    if (this.ctx === null) return;
    const b = box ?? { x: 0, y: 0, w: this.width, h: this.height };
    const part = box === null ? labels : cropBox(labels, this.width, b);
    const rgba = maskToRgba(part, lut);
    this.ctx.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, b.w, b.h), b.x, b.y);
  }
}
