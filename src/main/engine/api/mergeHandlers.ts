import type { Handlers } from './dispatch';

type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/**
 * Joins each area's handler map into the engine's one map. A method defined by two areas throws here
 * (a spread would let the later one win silently); a missing one is a type error where the result
 * is assigned to `Handlers`.
 */
export function mergeHandlers<T extends ReadonlyArray<Partial<Handlers>>>(...parts: T): Intersection<T[number]> {
  const merged: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [method, handler] of Object.entries(part)) {
      if (Object.hasOwn(merged, method)) throw new Error(`handler for ${method} is defined twice`);
      merged[method] = handler;
    }
  }
  return merged as Intersection<T[number]>;
}
