import type { InferenceSession } from 'onnxruntime-node';

/**
 * onnxruntime's thread pools busy-wait ("spin") between parallel sections by default. Tessera always
 * has other work beside inference (decoding and preprocessing the next image, post-processing and
 * committing the last, the UI server), so spinning threads take cores from it, and a spinning pool
 * that loses its core to that work stalls at every barrier. Without spinning the pool's threads
 * sleep until there is work: outputs are identical (same kernels, same partitioning); on this 2-core
 * machine, shared with other processes, PP-OCRv4 det ran 1.6-3x faster per image this way
 * (`npm run bench -- models-real` prints both). TESSERA_ORT_SPIN=1 restores onnxruntime's default.
 */
export const SESSION_THREADING: Pick<InferenceSession.SessionOptions, 'extra'> =
  process.env['TESSERA_ORT_SPIN'] === '1'
    ? {}
    : { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } };
