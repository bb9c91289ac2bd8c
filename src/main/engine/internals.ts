import type { EngineDeps } from './deps';
import type { Engine } from './engine';
import type { Repos } from './store/store';

/**
 * An engine's repositories, database and services, off its public type: hosts (desktop, server,
 * CLI) reach the engine only through `dispatch`. Tests read the store through this to check what a
 * call wrote; the demo generator writes the one dataset no API creates (engineStore).
 */
const internals = new WeakMap<Engine, EngineDeps>();

export function attachInternals(engine: Engine, deps: EngineDeps): void {
  internals.set(engine, deps);
}

/** Tests and benches only (tools/check-boundaries.mjs keeps it out of src/). */
export function engineInternals(engine: Engine): EngineDeps {
  const deps = internals.get(engine);
  if (deps === undefined) throw new Error('not an engine made by createEngine');
  return deps;
}

/** The store's repositories and a transaction over them: for generators that write stored data directly (tessera demo). */
export function engineStore(engine: Engine): { repos: Repos; transaction<T>(fn: () => T): T } {
  const { db, repos } = engineInternals(engine);
  return { repos, transaction: (fn) => db.transaction(fn)() };
}
