import { ApiError } from '../../../shared/api/apiError';
import type { Rle } from './rle';
import { columnToggles } from './rleCodec';
import { countsToString } from './rleString';
import { decodeRunsInto, runsBbox, runsOf } from './runs';

export interface ClassRle {
  classIdx: number;
  rle: Rle;
  area: number;
  bbox: [number, number, number, number];
}

/**
 * Label map (row-major, one class index per pixel) -> one RLE per value present, 255 (ignore)
 * and 0 (background) included, sorted by class index. One pass over the column-major runs: each run of
 * one value becomes a run of ones in that value's RLE, preceded by the gap since its last run;
 * the result equals pycocotools mask.encode(labels == value) for every value. `onRun` sees every
 * run of the walk in column-major order (its value and end), e.g. to count without another pass.
 */
export function labelMapToRles(
  labels: Uint8Array,
  height: number,
  width: number,
  onRun?: (value: number, end: number) => void,
): ClassRle[] {
  const area = height * width;
  if (labels.length !== area) {
    throw new ApiError('INVALID_INPUT', `label map has ${labels.length} pixels, expected ${height}x${width}`);
  }
  if (area === 0) return [];
  const runs: number[][] = [];
  const lastEnd = new Float64Array(256);
  const areas = new Float64Array(256);
  const closeRun = (value: number, start: number, end: number): void => {
    (runs[value] ??= []).push(start - (lastEnd[value] as number), end - start);
    lastEnd[value] = end;
    areas[value] = (areas[value] as number) + (end - start);
    onRun?.(value, end);
  };

  let current = labels[0] as number;
  let start = 0;
  const toggles = columnToggles(labels, height, width, true);
  if (toggles !== null) {
    // Only where the value changes down a column (found from row differences, masks/rleCodec.ts),
    // plus a column whose top differs from the bottom of the column before.
    const { ends, rows } = toggles;
    let from = 0;
    for (let x = 0; x < width; x++) {
      const base = x * height;
      const top = labels[x] as number;
      if (top !== current) {
        closeRun(current, start, base);
        current = top;
        start = base;
      }
      const to = ends[x] as number;
      for (let f = from; f < to; f++) {
        const y = rows[f] as number;
        closeRun(current, start, base + y);
        current = labels[y * width + x] as number;
        start = base + y;
      }
      from = to;
    }
  } else {
    // Noise: the plain walk down each column.
    let pos = 0;
    for (let x = 0; x < width; x++) {
      for (let i = x; i < area; i += width, pos++) {
        const value = labels[i] as number;
        if (value !== current) {
          closeRun(current, start, pos);
          current = value;
          start = pos;
        }
      }
    }
  }
  closeRun(current, start, area);

  const out: ClassRle[] = [];
  for (let value = 0; value < 256; value++) {
    const list = runs[value];
    if (list === undefined) continue;
    // Like rleEncode, a mask that ends in foreground has no trailing empty run of zeros.
    const tail = area - (lastEnd[value] as number);
    if (tail > 0) list.push(tail);
    out.push({
      classIdx: value,
      rle: { size: [height, width], counts: countsToString(list) },
      area: areas[value] as number,
      bbox: runsBbox(list, height, width),
    });
  }
  return out;
}

/**
 * RLE parts -> row-major label map: each part's foreground gets its class index, later parts
 * over earlier ones, everything else `fill`.
 */
export function paintLabelMap(parts: Array<{ classIdx: number; rle: Rle }>, height: number, width: number, fill = 0): Uint8Array {
  checkByte(fill, 'fill');
  const out = new Uint8Array(height * width);
  if (fill !== 0) out.fill(fill);
  for (const [i, part] of parts.entries()) {
    checkByte(part.classIdx, `part ${i} class index`);
    if (part.rle.size[0] !== height || part.rle.size[1] !== width) {
      throw new ApiError(
        'INVALID_INPUT',
        `part ${i} (class ${part.classIdx}): RLE size ${part.rle.size[0]}x${part.rle.size[1]} differs from ${height}x${width}`,
      );
    }
    decodeRunsInto(runsOf(part.rle), height, width, out, part.classIdx);
  }
  return out;
}

function checkByte(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new ApiError('INVALID_INPUT', `${what} is ${value}, expected an integer 0..255`);
  }
}
