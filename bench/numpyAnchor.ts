/**
 * The numpy anchor of the scoring benchmark (bench/eval_numpy.py: PIL read of GT and prediction PNGs +
 * np.bincount confusion, ToCo-style), run by Debian's python3 where it has numpy and PIL. Tests
 * compare Tessera's scores with it too.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScoringData } from './evalData';

export interface NumpyResult {
  images: number;
  seconds: number;
  miou: number;
  miou_gt_classes: number;
}

const SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), 'eval_numpy.py');

/** The numpy anchor's result, or null where python3 with numpy and PIL is missing. */
export function runNumpy(data: ScoringData, python = process.env['TESSERA_PYTHON'] ?? '/usr/bin/python3'): NumpyResult | null {
  const out = spawnSync(python, [SCRIPT, data.gtDir, data.predDir, String(data.classes)], { encoding: 'utf8' });
  if (out.status !== 0) return null;
  return JSON.parse(out.stdout.trim().split('\n').pop() ?? 'null') as NumpyResult;
}

export function hasNumpy(python = process.env['TESSERA_PYTHON'] ?? '/usr/bin/python3'): boolean {
  return spawnSync(python, ['-c', 'import numpy, PIL'], { encoding: 'utf8' }).status === 0;
}
