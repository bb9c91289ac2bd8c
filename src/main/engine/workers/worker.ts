/** Entry of a pool worker (pool.ts): runs tasks.ts functions and posts results or errors back. */
import { parentPort } from 'node:worker_threads';
import { ApiError } from '../../../shared/api/apiError';
import { tasks, type TaskName } from './tasks';
import type { PoolRequest, PoolResponse } from './protocol';
import { withReadRoots } from '../api/readScope';

const port = parentPort;
if (port === null) throw new Error('pool worker started outside a worker thread');

port.on('message', (req: PoolRequest) => {
  const fn = tasks[req.task as TaskName] as (input: unknown) => Promise<unknown>;
  withReadRoots(req.readRoots, () => fn(req.input)).then(
    (result) => port.postMessage({ id: req.id, ok: true, result } satisfies PoolResponse),
    (err: unknown) =>
      port.postMessage({
        id: req.id,
        ok: false,
        error:
          err instanceof ApiError
            ? { code: err.code, message: err.message, details: err.details }
            : { code: null, message: err instanceof Error ? err.message : String(err) },
      } satisfies PoolResponse),
  );
});
