/**
 * Where a run post-processes its items (adapters' `ctx.postprocess`). On CUDA the model takes a few
 * milliseconds per image and the CPU is otherwise idle, so heavy post-processing (a CAM run's fusion
 * at 448x448 and its image-size pseudo label, ~100-300 ms an image) goes to worker threads
 * (workers/pool.ts postprocessPool: every core but two, up to 8), in parallel, and the pipeline keeps
 * that many more items in flight: measured on an
 * H200 it, not inference, set a CAM run's pace (docs/gpu/). On the CPU provider onnxruntime's own
 * threads already use the cores: there it stays on the engine's thread, between inference calls.
 * `TESSERA_RUN_POSTPROCESS=pool|inline` overrides the choice (a diagnostic, and how tests run the
 * pool path without a GPU).
 */
export type PostprocessPlace = 'pool' | 'inline';

/** For an adapter with `poolPostprocess` (the others always post-process inline). */
export function postprocessPlace(provider: string, env: NodeJS.ProcessEnv = process.env): PostprocessPlace {
  const forced = env['TESSERA_RUN_POSTPROCESS'];
  if (forced === 'pool' || forced === 'inline') return forced;
  return provider === 'cuda' ? 'pool' : 'inline';
}
