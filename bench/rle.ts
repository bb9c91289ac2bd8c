/**
 * COCO RLE benchmark (issue 12): encode and decode throughput of the product's codec
 * (masks/rle.ts encodeMask / decodeMask: row-major mask <-> compressed counts string) on 703
 * VOC-sized masks, against a plain C implementation of the same column-major run-length loop
 * (bench/baselines/rle.c, pycocotools maskApi.c's rleEncode + rleToString and rleFrString +
 * rleDecode), compiled here with the system `cc -O2` into a temp dir and timed in the same run on
 * the same masks. Both sides go all the way to and from the string; the C side gets its masks in
 * column-major (Fortran) order as pycocotools wants them, ours are row-major. Where `cc` is absent
 * only Mpx/s are printed. Each side runs REPS times after a warm-up; the median is reported.
 * Run with `npm run bench -- rle` or `npx tsx bench/rle.ts`.
 */
import './builtWorkers';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeMask, encodeMask } from '../src/main/engine/masks';
import { decodeRunsInto, runsOf } from '../src/main/engine/masks/runs';
import { stringToCounts } from '../src/main/engine/masks/rleString';

const MASKS = 703;
const REPS = 7;
/** pycocotools' C code through its Python API, measured on these masks elsewhere (issue 12). */
const PYCOCOTOOLS = { encode: '570–980', decode: '500–900' };

interface BenchMask {
  height: number;
  width: number;
  /** Row-major, 0/1. */
  pixels: Uint8Array;
}

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * VOC-sized object masks (500x375 landscape and 375x500 portrait, as in VOC2012 val), each the
 * union of 1..4 shapes: ellipses, rectangles and triangles of 5..60% of the image side.
 */
function vocLikeMasks(count = MASKS, seed = 2012): BenchMask[] {
  const rand = random(seed);
  const out: BenchMask[] = [];
  for (let n = 0; n < count; n++) {
    const portrait = rand() < 0.3;
    const width = portrait ? 375 : 500;
    const height = portrait ? 500 : 375;
    const pixels = new Uint8Array(width * height);
    const shapes = 1 + Math.floor(rand() * 4);
    for (let s = 0; s < shapes; s++) {
      const cx = rand() * width;
      const cy = rand() * height;
      const rx = (0.05 + rand() * 0.55) * width * 0.5;
      const ry = (0.05 + rand() * 0.55) * height * 0.5;
      const kind = rand();
      const x0 = Math.max(0, Math.floor(cx - rx));
      const x1 = Math.min(width - 1, Math.ceil(cx + rx));
      const y0 = Math.max(0, Math.floor(cy - ry));
      const y1 = Math.min(height - 1, Math.ceil(cy + ry));
      // Triangle: apex at the top centre, base at the bottom of the box.
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const dx = (x - cx) / rx;
          const dy = (y - cy) / ry;
          const inside = kind < 0.5 ? dx * dx + dy * dy <= 1 : kind < 0.75 ? true : Math.abs(dx) <= (dy + 1) / 2;
          if (inside) pixels[y * width + x] = 1;
        }
      }
    }
    out.push({ height, width, pixels });
  }
  return out;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Milliseconds of one repetition: wall clock, and this process's CPU time (all threads). */
interface Times {
  wall: number[];
  cpu: number[];
}

/** REPS timed repetitions after one warm-up. */
function repeat(fn: () => void): Times {
  fn();
  const times: Times = { wall: [], cpu: [] };
  for (let r = 0; r < REPS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    times.wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    times.cpu.push((c.user + c.system) / 1000);
  }
  return times;
}

interface CResult {
  encode: Times;
  decode: Times;
  decodeRowMajor: Times;
  roundTrip: boolean;
  strings: string[];
}

/** Compiles and runs bench/baselines/rle.c; null (with the reason printed) where there is no `cc`. */
function runC(masks: BenchMask[]): CResult | null {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-rle-'));
  try {
    const bin = join(dir, 'rle');
    const src = fileURLToPath(new URL('./baselines/rle.c', import.meta.url));
    const cc = spawnSync('cc', ['-O2', '-o', bin, src], { encoding: 'utf8' });
    if (cc.error !== undefined || cc.status !== 0) {
      console.log(`  (no C baseline: \`cc -O2\` ${cc.error !== undefined ? 'is not available' : `failed: ${cc.stderr.trim()}`})`);
      return null;
    }
    // Column-major copies, as pycocotools' encode wants (np.asfortranarray); not timed.
    const size = masks.reduce((s, m) => s + 8 + m.pixels.length, 4);
    const file = Buffer.alloc(size);
    let p = file.writeUInt32LE(masks.length, 0);
    for (const m of masks) {
      p = file.writeUInt32LE(m.height, p);
      p = file.writeUInt32LE(m.width, p);
      for (let x = 0; x < m.width; x++) for (let y = 0; y < m.height; y++) file[p++] = m.pixels[y * m.width + x] as number;
    }
    const input = join(dir, 'masks.bin');
    const strings = join(dir, 'strings.txt');
    writeFileSync(input, file);
    const run = spawnSync(bin, [input, String(REPS), strings], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`C baseline failed: ${run.stderr}`);
    const r = JSON.parse(run.stdout) as Record<
      'encodeWallNs' | 'encodeCpuNs' | 'decodeWallNs' | 'decodeCpuNs' | 'decodeRowMajorWallNs' | 'decodeRowMajorCpuNs',
      number[]
    > & {
      roundTrip: boolean;
    };
    const ms = (ns: number[]): number[] => ns.map((v) => v / 1e6);
    return {
      encode: { wall: ms(r.encodeWallNs), cpu: ms(r.encodeCpuNs) },
      decode: { wall: ms(r.decodeWallNs), cpu: ms(r.decodeCpuNs) },
      decodeRowMajor: { wall: ms(r.decodeRowMajorWallNs), cpu: ms(r.decodeRowMajorCpuNs) },
      roundTrip: r.roundTrip,
      strings: readFileSync(strings, 'utf8').split('\n').slice(0, masks.length),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchRle(): Promise<void> {
  console.log(
    `COCO RLE (${MASKS} VOC-sized masks, 500x375 and 375x500; median of ${REPS} repetitions, Mpx/s by wall clock / by process CPU time):`,
  );
  const masks = vocLikeMasks();
  const mpix = masks.reduce((s, m) => s + m.pixels.length, 0) / 1e6;

  let strings: string[] = [];
  const encode = repeat(() => {
    strings = masks.map((m) => encodeMask(m.pixels, m.height, m.width).counts);
  });
  let sink = 0;
  const decode = repeat(() => {
    for (let i = 0; i < masks.length; i++) {
      const m = masks[i] as BenchMask;
      const px = decodeMask({ size: [m.height, m.width], counts: strings[i] as string });
      sink += px[px.length >> 1] as number;
    }
  });
  // Into one reused buffer, zeroed first (what the C baseline's malloc/free per mask amounts to,
  // and how paintLabelMap decodes): string -> runs -> every pixel written.
  const target = new Uint8Array(500 * 375);
  const decodeInto = repeat(() => {
    for (let i = 0; i < masks.length; i++) {
      const m = masks[i] as BenchMask;
      const out = target.subarray(0, m.pixels.length);
      out.fill(0);
      decodeRunsInto(runsOf({ size: [m.height, m.width], counts: strings[i] as string }), m.height, m.width, out, 1);
      sink += out[out.length >> 1] as number;
    }
  });
  // pycocotools' layout (Fortran order, what mask.decode returns): the product's string parser
  // (stringToCounts) and a fill per run. Tessera never hands masks out in this layout; this line
  // separates the codec from the transpose that a row-major mask costs.
  const decodeColumnMajor = repeat(() => {
    for (let i = 0; i < masks.length; i++) {
      const m = masks[i] as BenchMask;
      const out = new Uint8Array(m.pixels.length);
      const counts = stringToCounts(strings[i] as string);
      let at = 0;
      for (let j = 0; j < counts.length; j++) {
        const end = at + (counts[j] as number);
        if (j % 2 === 1) out.fill(1, at, end);
        at = end;
      }
      sink += out[out.length >> 1] as number;
    }
  });
  let roundTrip = sink >= 0;
  for (let i = 0; i < masks.length && roundTrip; i++) {
    const m = masks[i] as BenchMask;
    roundTrip = Buffer.from(decodeMask({ size: [m.height, m.width], counts: strings[i] as string })).equals(Buffer.from(m.pixels));
  }

  const c = runC(masks);
  const rate = (ms: number[]): string => `${(mpix / (median(ms) / 1000)).toFixed(0)}`;
  const rates = (t: Times): string => `${rate(t.wall)} / ${rate(t.cpu)} Mpx/s`;
  const ratio = (ours: Times, base: Times): string =>
    `${(median(base.wall) / median(ours.wall)).toFixed(2)}x / ${(median(base.cpu) / median(ours.cpu)).toFixed(2)}x`;
  const line = (what: string, ours: Times, base: Times | undefined, pyco: string): void => {
    const vs = base === undefined ? '' : `; vs C baseline: ${ratio(ours, base)} its throughput`;
    console.log(`  ${what}: ${rates(ours)}${vs}${pyco === '' ? '' : `; pycocotools (measured elsewhere) ${pyco} Mpx/s`}`);
  };
  if (c !== null) {
    console.log(`  C baseline (bench/baselines/rle.c, cc -O2, column-major masks): encode ${rates(c.encode)}, decode ${rates(c.decode)}`);
  }
  line('encode  row-major mask -> counts string (encodeMask)', encode, c?.encode, PYCOCOTOOLS.encode);
  line('decode  counts string -> new row-major mask (decodeMask)', decode, c?.decode, PYCOCOTOOLS.decode);
  line('decode  counts string -> reused row-major buffer', decodeInto, c?.decode, '');
  line("decode  counts string -> new column-major mask (pycocotools' layout; bench only)", decodeColumnMajor, c?.decode, '');
  if (c !== null) {
    console.log(
      `  (context: the same C loop writing a row-major mask, the layout decodeMask returns: ${rates(c.decodeRowMajor)}; decodeMask is ${ratio(decode, c.decodeRowMajor)} that)`,
    );
  }
  const sameStrings = c === null ? 'no C baseline' : String(c.strings.every((s, i) => s === strings[i]));
  console.log(
    `  (${mpix.toFixed(1)} Mpx per pass; both sides go to and from the string; strings identical to the C baseline's: ${sameStrings}; round trips: ours ${roundTrip}, C ${c?.roundTrip ?? '-'})`,
  );
  if (process.argv.includes('--verbose')) {
    const each = (t: Times): string => t.cpu.map((v) => (mpix / (v / 1000)).toFixed(0)).join(' ');
    console.log(`  CPU Mpx/s per repetition: encode ${each(encode)} | C ${c ? each(c.encode) : '-'}`);
    console.log(`                            decode ${each(decode)} | into ${each(decodeInto)} | C ${c ? each(c.decode) : '-'}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRle();
