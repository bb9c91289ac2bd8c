/**
 * CAM -> pseudo label in the renderer, for the live background-threshold slider. The same rule as the
 * engine's tokens/pseudoLabel.ts (ToCo utils/camutils.py `cam_to_label`), ported because the renderer
 * cannot import engine code: channel k is class `classIds[k]` (default k + 1); absent channels score
 * 0; per pixel the highest score wins, the first channel on ties (torch.max); background 0 where that
 * score is <= the threshold, compared in float32 as torch does with a Python scalar.
 */
export function camPseudoLabel(
  cam: Float32Array,
  channels: number,
  h: number,
  w: number,
  opts: { threshold: number; classIds?: readonly number[]; present?: readonly boolean[] },
): Uint8Array {
  const size = h * w;
  if (cam.length !== channels * size) throw new RangeError(`CAM holds ${cam.length} values, expected ${channels}x${h}x${w}`);
  const ids = opts.classIds ?? Array.from({ length: channels }, (_, c) => c + 1);
  if (ids.length !== channels) throw new RangeError(`classIds has ${ids.length} ids for ${channels} CAM channels`);
  const present = opts.present ?? ids.map(() => true);
  const threshold = Math.fround(opts.threshold);
  const label = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    let best = present[0] === true ? (cam[i] as number) : 0;
    let arg = 0;
    for (let c = 1; c < channels; c++) {
      const score = present[c] === true ? (cam[c * size + i] as number) : 0;
      if (score > best) {
        best = score;
        arg = c;
      }
    }
    label[i] = best <= threshold ? 0 : (ids[arg] as number);
  }
  return label;
}
