import { AsyncLocalStorage } from 'node:async_hooks';

/** What the inference calls made inside one `inferenceTiming.run(...)` scope cost (run --profile). */
export interface InferenceTiming {
  calls: number;
  /** session.run time in the worker, summed. */
  inferenceMs: number;
  /** Round trips as the engine saw them (posting, queueing behind other items, session.run, reply), summed. */
  roundTripMs: number;
  /** performance.now() when the first call was made / the last reply arrived. */
  firstCallAt: number;
  lastReturnAt: number;
  /** Called as each call is posted to the worker / as each reply arrives (a run job's pipeline). */
  onCall?: () => void;
  onReply?: () => void;
  /** Where to note each call's model and input shapes (a run job counts the distinct ones: run --profile). */
  shapes?: Set<string>;
}

export function newInferenceTiming(): InferenceTiming {
  return { calls: 0, inferenceMs: 0, roundTripMs: 0, firstCallAt: 0, lastReturnAt: 0 };
}

/** The scope an item's inference calls report into (a run job sets it per item; elsewhere none). */
export const inferenceTiming = new AsyncLocalStorage<InferenceTiming>();
