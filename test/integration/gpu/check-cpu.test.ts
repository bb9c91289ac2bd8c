// gpu-check's node part (tools/gpu/check.ts, built as the bundle builds it) on this CPU-only machine,
// against the real built product (bin/tessera.js + out/, real onnxruntime-node): it must say clearly that
// CUDA is unavailable and why, and still show the product working on the CPU.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build tool without type declarations
import { buildCheckScript } from '../../../tools/gpu/bundle.mjs';

const repo = join(import.meta.dirname, '..', '..', '..');
// Under node_modules so that onnxruntime-node, sharp, ... resolve as they do inside the bundle's app/.
const built = join(repo, 'node_modules', '.cache', 'tessera-gpu-check-test');

interface Report {
  providers: { cuda: { available: boolean; reason: string | null }; providerFiles: Record<string, boolean> };
  models: { results: Record<string, unknown>[] };
  throughput: {
    skipped?: boolean;
    reason?: string;
    error?: string;
    images?: number;
    ratio?: number;
    tesseraRun?: { executionProvider: string; imagesPerSecond: number };
    bareSessionRun?: { imagesPerSecond: number };
  };
  cli: { command: string; executionProvider: string; providerFallback: string | null; samples: number; error?: string };
  gpuMemory: { reason?: string };
  summary: { cudaUsed: boolean; reason: string | null; pass: boolean; problems: string[] };
  selfTest?: string;
}

function check(args: string[]): { status: number | null; report: Report; stderr: string } {
  const r = spawnSync(process.execPath, [join(built, 'check.mjs'), '--app', repo, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TESSERA_CUDA_LIB_DIRS: '' },
  });
  return { status: r.status, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

describe('gpu-check on a machine without a usable GPU', () => {
  beforeAll(async () => {
    rmSync(built, { recursive: true, force: true });
    await (buildCheckScript as (dir: string) => Promise<void>)(built);
  });

  it('reports in one JSON that CUDA is unavailable and why, runs every toy on the CPU, and shows tessera run --device cuda falling back', () => {
    const { status, report, stderr } = check([]);
    expect(status).toBe(3);
    const reason = report.summary.reason!;
    expect(report.summary).toMatchObject({ cudaUsed: false, pass: false, problems: [reason] });
    expect(reason).toMatch(/^CUDA unavailable: /);
    // The why: whichever of these holds here, and ORT's own message.
    expect(reason).toMatch(/CUDA provider is not installed|CUDA libraries not found|no NVIDIA driver/);
    expect(reason).toMatch(/onnxruntime: /);
    if (!Object.values(report.providers.providerFiles).every(Boolean)) expect(reason).toContain('libonnxruntime_providers_cuda.so');
    expect(report.providers.cuda).toEqual({ available: false, reason });
    expect(stderr).toContain(`gpu-check: ${reason}`);

    const files = report.models.results.map((r) => r['file']);
    expect(files).toEqual([
      'toy-colour-semantic.onnx',
      'toy-redness-probability.onnx',
      'toy-colour-cam.onnx',
      'toy-colour-patch-tokens.onnx',
      'toy-colour-seg-token.onnx',
      'toy-colour-sam.encoder.onnx',
      'toy-colour-sam.decoder.onnx',
      'toy-colour-sam-encoder.onnx',
    ]);
    for (const row of report.models.results) {
      expect(row).toMatchObject({ cuda: false, reason, pass: null });
      expect(row['error']).toBeUndefined();
      expect(row['cpuMs']).toBeGreaterThan(0);
    }
    expect(report.throughput).toEqual({ skipped: true, reason });
    expect(report.cli).toMatchObject({ executionProvider: 'cpu', samples: 2 });
    expect(report.cli.command).toContain('--device cuda');
    expect(report.cli.providerFallback).toMatch(/^CUDA unavailable \(.+\); using CPU$/);
  });

  it('self-test: the CUDA comparison path run against the CPU provider finds equal outputs and labels', () => {
    // With the throughput bench: the engine's run job in check.mjs starts the import pool, read and
    // inference workers from the files built beside it (a missing one failed the bench as an internal error).
    const { status, report } = check(['--self-test-provider', 'cpu', '--images', '2']);
    expect(report.throughput.error).toBeUndefined();
    expect(report.throughput).toMatchObject({ images: 2, tesseraRun: { executionProvider: 'cpu' } });
    expect(report.throughput.ratio).toBeGreaterThan(0);
    expect(report.throughput.bareSessionRun!.imagesPerSecond).toBeGreaterThan(0);
    expect(report.selfTest).toMatch(/says nothing about CUDA/);
    // The ratio against the bare loop is a timing, not asserted here: any other problem fails the test.
    expect(report.summary.problems.filter((p) => !p.startsWith('throughput ratio'))).toEqual([]);
    expect(status).toBe(report.summary.problems.length === 0 ? 0 : 1);
    expect(report.summary.cudaUsed).toBe(false);
    const byFile = Object.fromEntries(report.models.results.map((r) => [r['file'], r]));
    for (const row of report.models.results) {
      expect(row['pass']).toBe(true);
      for (const d of Object.values(row['maxAbsDiff'] as Record<string, number>)) expect(d).toBe(0);
    }
    // The scene is red, green, blue and black quadrants: the labels a run derives see all of them.
    expect(byFile['toy-colour-semantic.onnx']!['labels']).toMatchObject({ values: [0, 1, 2, 3], differing: 0 });
    expect(byFile['toy-colour-cam.onnx']!['labels']).toMatchObject({ values: [0, 1, 2, 3], differing: 0 });
    expect(byFile['toy-redness-probability.onnx']!['labels']).toMatchObject({ values: [0, 1], differing: 0 });
    expect(byFile['toy-colour-sam.decoder.onnx']!['labels']).toMatchObject({ values: [0, 1], differing: 0, pixels: 160 * 120 });
    expect(report.cli).toMatchObject({ executionProvider: 'cpu', providerFallback: null });
  });
});
