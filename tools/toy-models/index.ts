import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// Every toy generator, one line each: adding a toy is a new file plus one line here.
import { camToy } from './cam';
import { imageEncoderToy } from './image-encoder';
import type { ToyModel } from './manifest';
import { patchTokensToy } from './patch-tokens';
import { probabilityMapToy } from './probability-map';
import { promptDecoderToy } from './prompt-decoder';
import { segTokenToy } from './seg-token';
import { semanticSegToy } from './semantic-seg';
import { vitB16BenchToy } from './vit-b16-bench';

export interface ToyGenerator {
  id: string;
  /** True for models meant for benchmarks (large, meaningless outputs). */
  bench: boolean;
  generate: () => ToyModel;
}

export const TOY_GENERATORS: readonly ToyGenerator[] = [
  { id: 'semantic-seg', bench: false, generate: semanticSegToy },
  { id: 'probability-map', bench: false, generate: probabilityMapToy },
  { id: 'cam', bench: false, generate: camToy },
  { id: 'patch-tokens', bench: false, generate: patchTokensToy },
  { id: 'seg-token', bench: false, generate: segTokenToy },
  { id: 'prompt-decoder', bench: false, generate: promptDecoderToy },
  { id: 'image-encoder', bench: false, generate: imageEncoderToy },
  { id: 'vit-b16-bench', bench: true, generate: () => vitB16BenchToy() },
];

/** The files a toy consists of, file name -> bytes, manifest included. */
export function toyFiles(toy: ToyModel): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = { [toy.manifest.files.model]: toy.onnx, ...(toy.companions ?? {}) };
  files[`${toy.manifest.name}.manifest.json`] = new TextEncoder().encode(`${JSON.stringify(toy.manifest, null, 2)}\n`);
  return files;
}

/**
 * Writes toys into `dir` (every non-benchmark toy, or the given generator ids) and returns their
 * manifest paths by toy id: what the CLI demo, the tests and the benchmarks all need.
 */
export function writeToys(dir: string, ids?: readonly string[]): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const out: Record<string, string> = {};
  for (const generator of TOY_GENERATORS.filter((g) => (ids === undefined ? !g.bench : ids.includes(g.id)))) {
    const toy = generator.generate();
    for (const [name, bytes] of Object.entries(toyFiles(toy))) writeFileSync(join(dir, name), bytes);
    out[generator.id] = join(dir, `${toy.manifest.name}.manifest.json`);
  }
  return out;
}

export type { ToyManifest, ToyModel } from './manifest';
