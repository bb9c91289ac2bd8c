// Each contract method is handled in its area's folder (src/main/engine/<area>/), exactly once, and the
// engine's composition refuses a method defined twice instead of letting the later map win.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { methods } from '../../../../src/shared/api/contract';
import { mergeHandlers } from '../../../../src/main/engine/api/mergeHandlers';
import type { Handlers } from '../../../../src/main/engine/api/dispatch';

const engineDir = join(import.meta.dirname, '..', '..', '..', '..', 'src', 'main', 'engine');
/** Areas without a folder of their own, and the folder that holds them. */
const hostFolder: Record<string, string> = { filters: 'datasets', classes: 'datasets', heatmaps: 'runs', samples: 'annotations' };

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* sources(full);
    else if (name.endsWith('.ts')) yield full;
  }
}

/** method -> the engine files (relative to src/main/engine) whose handler maps define it. */
function handlerDefinitions(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sources(engineDir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*'([a-z]+\.[a-zA-Z]+)'\s*:\s*async\b/gm)) {
      const method = m[1]!;
      if (!Object.hasOwn(methods, method)) continue;
      found.set(method, [...(found.get(method) ?? []), relative(engineDir, file).replaceAll('\\', '/')]);
    }
  }
  return found;
}

describe('handler areas', () => {
  const defined = handlerDefinitions();

  it('defines every contract method exactly once', () => {
    const counts = Object.keys(methods).map((m) => [m, defined.get(m)?.length ?? 0] as const);
    expect(counts.filter(([, n]) => n !== 1)).toEqual([]);
  });

  it("handles each method in its area's folder", () => {
    const misplaced: string[] = [];
    for (const [method, files] of defined) {
      const area = method.split('.')[0]!;
      const folder = hostFolder[area] ?? area;
      for (const file of files) if (!file.startsWith(`${folder}/`)) misplaced.push(`${method} in ${file} (expected ${folder}/)`);
    }
    expect(misplaced).toEqual([]);
  });

  it('every area with a host folder has no folder of its own', () => {
    for (const area of Object.keys(hostFolder)) expect(readdirSync(engineDir)).not.toContain(area);
  });
});

describe('mergeHandlers', () => {
  const list = (async () => []) as unknown as Handlers['runs.list'];
  const get = (async () => ({})) as unknown as Handlers['runs.get'];

  it('joins disjoint maps', () => {
    const merged = mergeHandlers({ 'runs.list': list }, { 'runs.get': get });
    expect(Object.keys(merged).sort()).toEqual(['runs.get', 'runs.list']);
    expect(merged['runs.list']).toBe(list);
  });

  it('throws on a method defined twice, naming it', () => {
    expect(() => mergeHandlers({ 'runs.list': list }, { 'runs.get': get }, { 'runs.list': list })).toThrow(
      'handler for runs.list is defined twice',
    );
  });
});
