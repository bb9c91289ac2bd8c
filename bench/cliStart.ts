/**
 * `npm run bench -- cli-start`: how long the built CLI takes to answer `--version` and `datasets list`
 * (a small workspace), with its code cache (out/node/cli-main.cjs.cache, src/main/cli/codeCache.ts)
 * and without (TESSERA_CODE_CACHE=0: V8 compiles the 1.7 MB bundle), against a bare `node -e 0`.
 * Runs interleaved, medians of each.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats';

const CLI = fileURLToPath(new URL('../out/node/cli.js', import.meta.url));

function timed(args: string[], env: Record<string, string> = {}): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')}: ${r.stderr.trim()}`);
  return ms;
}

export async function benchCliStart(rounds = 11): Promise<void> {
  console.log('\n== CLI start (built CLI, interleaved, medians) ==');
  if (!existsSync(CLI)) {
    console.log('  skipped: run `npm run build` for out/node/cli.js');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-cli-'));
  try {
    const ws = join(dir, 'ws');
    timed([CLI, '--workspace', ws, 'init']);
    const cases: Record<string, () => number> = {
      'node -e 0': () => timed(['-e', '0']),
      '--version, code cache': () => timed([CLI, '--version']),
      '--version, no cache': () => timed([CLI, '--version'], { TESSERA_CODE_CACHE: '0' }),
      'datasets list, code cache': () => timed([CLI, '--workspace', ws, 'datasets', 'list']),
      'datasets list, no cache': () => timed([CLI, '--workspace', ws, 'datasets', 'list'], { TESSERA_CODE_CACHE: '0' }),
    };
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) for (const [k, run] of Object.entries(cases)) times[k]!.push(run());
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<string, number>;
    const node = m['node -e 0']!;
    for (const [k, v] of Object.entries(m)) console.log(`  ${k.padEnd(28)} ${v.toFixed(0).padStart(5)} ms`);
    for (const what of ['--version', 'datasets list']) {
      const cached = m[`${what}, code cache`]!;
      const plain = m[`${what}, no cache`]!;
      console.log(
        `  ${what}: ${(plain / cached).toFixed(2)}x faster with the code cache (${(plain - cached).toFixed(0)} ms less); ${(cached - node).toFixed(0)} ms above a bare node`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
