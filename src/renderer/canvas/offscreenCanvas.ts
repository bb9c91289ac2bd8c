import { classLut, maskToRgba } from './raster/maskToRgba';

/** RGBA pixels -> an offscreen canvas that Konva draws as one bitmap (never as shapes). */
export function rgbaCanvas(rgba: Uint8ClampedArray, width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return canvas;
  ctx.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  return canvas;
}

/** Paints a label map into an offscreen canvas once; Konva then draws that bitmap (never shapes). */
export function labelMapCanvas(
  labels: Uint8Array,
  width: number,
  height: number,
  classes: ReadonlyArray<{ index: number; color: readonly [number, number, number] }>,
): HTMLCanvasElement {
  return rgbaCanvas(maskToRgba(labels, classLut(classes)), width, height);
}
