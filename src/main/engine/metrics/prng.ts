/**
 * mulberry32 (Tommy Ettinger's 32-bit generator, public domain): small, fast and identical on every
 * platform, so a seeded bootstrap gives byte-identical report numbers anywhere. Not for cryptography.
 */
export function mulberry32(seed: number): () => number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed ${seed} must be an integer`);
  let state = seed >>> 0;
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
