// Writes every toy model (.onnx + .manifest.json) into OUTDIR:
//   npx tsx tools/toy-models/generate.ts OUTDIR [--no-bench]
// --no-bench skips vit-b16-bench (~90 MB), which benchmarks can generate on demand instead.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOY_GENERATORS, toyFiles } from './index';

function main(args: readonly string[]): number {
  const outDir = args.find((a) => !a.startsWith('--'));
  if (outDir === undefined) {
    console.error('usage: npx tsx tools/toy-models/generate.ts OUTDIR [--no-bench]');
    return 2;
  }
  const withBench = !args.includes('--no-bench');
  mkdirSync(outDir, { recursive: true });
  for (const generator of TOY_GENERATORS) {
    if (generator.bench && !withBench) continue;
    const started = performance.now();
    const files = toyFiles(generator.generate());
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(outDir, name), bytes);
    const size = Object.values(files).reduce((s, b) => s + b.byteLength, 0);
    const ms = (performance.now() - started).toFixed(0);
    console.log(`${generator.id}: ${Object.keys(files).join(', ')} (${(size / 1e6).toFixed(2)} MB, ${ms} ms)`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
