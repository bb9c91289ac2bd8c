/**
 * How CUDA computes float32 (docs/design.md §4.8). On Ampere and newer GPUs cuBLAS and cuDNN may run
 * float32 matrix products and convolutions in TF32 (a 10-bit mantissa), and onnxruntime's CUDA provider
 * allows it by default. Seen on an H200 (docs/gpu/): PP-OCRv4 det probabilities up to 0.042 off the
 * CPU's with 21 mask pixels flipped, a ViT CAM 8.8e-4 off with one pseudo-label pixel changed; with
 * TF32 off, every output was within 3e-6 of the CPU's. So Tessera turns TF32 off
 * (`NVIDIA_TF32_OVERRIDE=0`, which cuBLAS and cuDNN read) unless the user allows it with
 * `TESSERA_CUDA_TF32=1`; an allowed TF32 is part of the output cache key and of the run's provenance.
 *
 * The variable must be set in the process's own environment before the CUDA libraries start: on the
 * engine's thread (a worker thread's process.env is a copy the native libraries never read).
 */

/** Set to `1` to let CUDA use TF32 (faster matrix products, ~1e-3 relative error). */
export const TF32_OPT_IN = 'TESSERA_CUDA_TF32';
/** NVIDIA's switch: `0` turns TF32 off in cuBLAS and cuDNN; any other value leaves their default (on). */
export const TF32_OVERRIDE = 'NVIDIA_TF32_OVERRIDE';

export interface CudaFloatMode {
  /** Whether CUDA may compute float32 products and convolutions in TF32. */
  tf32: boolean;
  /** Why, in words (shown by gpu-check, recorded in a CUDA run's provenance). */
  source: string;
}

/** The mode the environment gives now (after applyCudaFloatPolicy on the engine's thread). */
export function cudaFloatMode(env: NodeJS.ProcessEnv = process.env): CudaFloatMode {
  if (env[TF32_OVERRIDE] === '0') {
    return {
      tf32: false,
      source: env[TF32_OPT_IN] === '1' ? `${TF32_OVERRIDE}=0 set outside Tessera (it wins over ${TF32_OPT_IN}=1)` : `${TF32_OVERRIDE}=0`,
    };
  }
  return {
    tf32: true,
    source: env[TF32_OPT_IN] === '1' ? `${TF32_OPT_IN}=1` : `${TF32_OVERRIDE}=${env[TF32_OVERRIDE] ?? ''} (not 0)`,
  };
}

/**
 * Turns TF32 off for this process unless the user allowed it or set NVIDIA's switch themselves.
 * Call on the engine's thread before the first CUDA session (createEngine does).
 */
export function applyCudaFloatPolicy(env: NodeJS.ProcessEnv = process.env): CudaFloatMode {
  if (env[TF32_OPT_IN] !== '1' && env[TF32_OVERRIDE] === undefined) env[TF32_OVERRIDE] = '0';
  return cudaFloatMode(env);
}
