/** Images and bitmaps smaller than this (pixels) are drawn as they are: scaling them is already cheap. */
const MIPMAP_MIN_PIXELS = 1024 * 1024;

type Source = HTMLCanvasElement | HTMLImageElement;

const pyramids = new WeakMap<Source, HTMLCanvasElement[]>();

function sizeOf(source: Source): { w: number; h: number } {
  return source instanceof HTMLImageElement ? { w: source.naturalWidth, h: source.naturalHeight } : { w: source.width, h: source.height };
}

function halve(from: CanvasImageSource, w: number, h: number, smooth: boolean): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.ceil(w / 2));
  canvas.height = Math.max(1, Math.ceil(h / 2));
  const ctx = canvas.getContext('2d');
  if (ctx !== null) {
    ctx.imageSmoothingEnabled = smooth;
    if (smooth) ctx.imageSmoothingQuality = 'medium';
    ctx.drawImage(from, 0, 0, canvas.width, canvas.height);
  }
  return canvas;
}

/**
 * The bitmap to draw at a zoom level: the source, or a pre-halved copy whose resolution is still at
 * least the on-screen one. Drawing a 4096² bitmap scaled to 0.2 costs a full-resolution resample on
 * every frame (tens of ms without a GPU); its 1024² level costs a sixteenth. Label maps (`smooth`
 * false) are halved with nearest sampling so class colours never blend. Levels are built once, on demand.
 */
export function mipLevel(source: Source, scale: number, smooth: boolean): CanvasImageSource {
  const { w, h } = sizeOf(source);
  if (w * h < MIPMAP_MIN_PIXELS || scale >= 0.5 || w === 0 || h === 0) return source;
  const wanted = Math.min(8, Math.floor(Math.log2(1 / scale)));
  let levels = pyramids.get(source);
  if (levels === undefined) {
    levels = [];
    pyramids.set(source, levels);
  }
  while (levels.length < wanted) {
    const prev: CanvasImageSource = levels.length === 0 ? source : (levels[levels.length - 1] as HTMLCanvasElement);
    const pw = levels.length === 0 ? w : (levels[levels.length - 1] as HTMLCanvasElement).width;
    const ph = levels.length === 0 ? h : (levels[levels.length - 1] as HTMLCanvasElement).height;
    if (pw <= 1 && ph <= 1) break;
    levels.push(halve(prev, pw, ph, smooth));
  }
  return levels[Math.min(wanted, levels.length) - 1] ?? source;
}
