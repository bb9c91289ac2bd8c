import { maskToRgba } from '../../canvas/raster/maskToRgba';

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
    let part = labels;
    if (box !== null) {
      part = new Uint8Array(b.w * b.h);
      for (let row = 0; row < b.h; row++)
        part.set(labels.subarray((b.y + row) * this.width + b.x, (b.y + row) * this.width + b.x + b.w), row * b.w);
    }
    const rgba = maskToRgba(part, lut);
    this.ctx.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, b.w, b.h), b.x, b.y);
  }
}
