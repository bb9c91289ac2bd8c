import { describe, expect, it } from 'vitest';
import { applyCudaFloatPolicy, cudaFloatMode } from '../../../../src/main/engine/models/inference/cudaFloat';

describe('CUDA float mode (TF32)', () => {
  it('turns TF32 off by default: NVIDIA_TF32_OVERRIDE=0 in the environment cuBLAS and cuDNN read', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(applyCudaFloatPolicy(env)).toEqual({ tf32: false, source: 'NVIDIA_TF32_OVERRIDE=0' });
    expect(env['NVIDIA_TF32_OVERRIDE']).toBe('0');
  });

  it('leaves TF32 to CUDA when the user allows it with TESSERA_CUDA_TF32=1', () => {
    const env: NodeJS.ProcessEnv = { TESSERA_CUDA_TF32: '1' };
    expect(applyCudaFloatPolicy(env)).toEqual({ tf32: true, source: 'TESSERA_CUDA_TF32=1' });
    expect(env['NVIDIA_TF32_OVERRIDE']).toBeUndefined();
  });

  it('keeps a NVIDIA_TF32_OVERRIDE the user set, and says which setting won', () => {
    const off: NodeJS.ProcessEnv = { NVIDIA_TF32_OVERRIDE: '0', TESSERA_CUDA_TF32: '1' };
    expect(applyCudaFloatPolicy(off).tf32).toBe(false);
    expect(cudaFloatMode(off).source).toMatch(/set outside Tessera.*wins over TESSERA_CUDA_TF32=1/);
    const other: NodeJS.ProcessEnv = { NVIDIA_TF32_OVERRIDE: '1' };
    expect(applyCudaFloatPolicy(other)).toEqual({ tf32: true, source: 'NVIDIA_TF32_OVERRIDE=1 (not 0)' });
    expect(other['NVIDIA_TF32_OVERRIDE']).toBe('1');
  });
});
