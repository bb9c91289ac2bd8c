/**
 * A run sequence (pixelCounts.ts RunSequence) as bytes, the form a sample's merged ground truth is
 * kept in (store table ground_truth_runs) so a prediction import counts against it without decoding
 * and merging the regions' RLE strings again.
 *
 * Layout: one format byte (1), the run count n as a LEB128 varint, the n run values (one byte
 * each), then the n run lengths as LEB128 varints (7 bits a byte, low first). On VOC-sized maps 70% of
 * column-major runs are shorter than 128 pixels: ~2.3 bytes a run (~3 KB an image), where fixed
 * 16-bit lengths took 3 and any run longer than 65,535 pixels (an image mostly background) 5.
 */
import { RunSequenceBuilder, type RunSequence } from './pixelCounts';

const FORMAT = 1;

/** Bytes of n as a LEB128 varint. */
function varintBytes(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    bytes++;
  }
  return bytes;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[at++] = n;
  return at;
}

export function packRunSequence(seq: RunSequence): Uint8Array {
  const n = seq.length;
  let size = 1 + varintBytes(n) + n;
  let prev = 0;
  for (let k = 0; k < n; k++) {
    const end = seq.ends[k]!;
    size += varintBytes(end - prev);
    prev = end;
  }
  const out = new Uint8Array(size);
  out[0] = FORMAT;
  let at = writeVarint(out, 1, n);
  out.set(seq.values.subarray(0, n), at);
  at += n;
  prev = 0;
  for (let k = 0; k < n; k++) {
    const end = seq.ends[k]!;
    at = writeVarint(out, at, end - prev);
    prev = end;
  }
  return out;
}

/**
 * The sequence `bytes` hold, into `out` (reused); null unless they are a well-formed pack whose
 * non-empty runs cover exactly `area` pixels (a cut or foreign blob is never counted against).
 */
export function unpackRunSequence(bytes: Uint8Array, area: number, out = new RunSequenceBuilder()): RunSequence | null {
  out.reset();
  const size = bytes.length;
  if (size < 2 || bytes[0] !== FORMAT) return null;
  let at = 1;
  /** The varint at `at` (advanced past it), or -1 when cut or longer than 32 bits. */
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let shift = 0; shift < 35; shift += 7) {
      if (at >= size) return -1;
      const b = bytes[at++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value <= 0xffffffff ? value : -1;
      scale *= 0x80;
    }
    return -1;
  };
  const n = varint();
  if (n < 0 || at + n > size) return null;
  const values = at;
  at += n;
  let end = 0;
  for (let k = 0; k < n; k++) {
    const len = varint();
    if (len <= 0) return null;
    end += len;
    if (end > area) return null;
    out.push(bytes[values + k]!, end);
  }
  return end === area && at === size ? out : null;
}
