/** What makes a run's outputs what they are, and a check that the model file is still the one registered. */
import { statSync } from 'node:fs';
import type { EngineDeps } from '../deps';
import { ADAPTER_VERSIONS } from './adapters';
import { manifestFingerprint, outputCacheKey, type OutputCacheKeyParts } from './cacheKey';
import { convertedOutputsTag } from './inference/outputTypes';
import { externalDataFiles } from './registry';
import { PREPROCESSING_VERSION } from './preprocess';
import { cudaFloatMode } from './inference/cudaFloat';
import type { CompanionFingerprint, LoadedModel } from './runtime';
import type { RunSample } from './samples';

/**
 * How pixels reach a model: RGB exactly as PIL's `convert('RGB')` gives them (no colour-profile
 * conversion) on the image's recorded pixel grid. Bump when decoding changes.
 */
const DECODING_RULES = 'pil-rgb-no-icc:v2';

/** What makes a run's outputs what they are, apart from the image: recorded on the run, part of every cache key. */
export interface RunFingerprint {
  fileHashes: Record<string, string>;
  manifest: unknown;
  companions: CompanionFingerprint[];
  adapterVersion: number;
  /** Set only for a model with float16/float64 outputs (inference/outputTypes.ts). */
  outputConversion?: string | undefined;
  /** Set only when CUDA may use TF32 (TESSERA_CUDA_TF32=1): its outputs are not the CPU's to 1e-5. */
  cudaTf32?: true | undefined;
}

export async function runFingerprint(model: LoadedModel): Promise<RunFingerprint> {
  return {
    fileHashes: await model.fileHashes(),
    manifest: manifestFingerprint(model.manifest),
    companions: await model.companionFingerprints(),
    adapterVersion: ADAPTER_VERSIONS[model.summary.kind],
    outputConversion: convertedOutputsTag(model.summary.outputs),
    cudaTf32: cudaFloatMode().tf32 ? true : undefined,
  };
}

/** Everything a sample's cached output is keyed by (`sampleCacheKey` hashes it). */
export function sampleCacheKeyParts(
  f: RunFingerprint,
  s: Pick<RunSample, 'orientation' | 'imageSha' | 'query'>,
  gt: Uint8Array | null,
): OutputCacheKeyParts {
  return {
    ...f,
    decoding: `${DECODING_RULES}:orientation=${s.orientation}`,
    preprocessing: PREPROCESSING_VERSION,
    imageSha: s.imageSha,
    query: s.query,
    groundTruth: gt,
  };
}

export function sampleCacheKey(f: RunFingerprint, s: RunSample, gt: Uint8Array | null): string {
  return outputCacheKey(sampleCacheKeyParts(f, s, gt));
}

/**
 * Model files this engine hashed and found unchanged, by path: size, mtime, ctime, inode and the
 * sha256 they had, of the file and of each external data file it keeps weights in. A run re-hashes
 * only when one of them moved (hashing a 100+ MB ViT or ISNet file takes a noticeable part of a
 * second per run); any write to a file changes its ctime.
 */
const verifiedFiles = new WeakMap<EngineDeps, Map<string, { stamp: string; externals: string[] }>>();

/** The stamps of a model file and its external data files; null when one is missing or not a file. */
function modelStamp(path: string, externals: readonly string[]): string | null {
  const stamps = [path, ...externals].map(fileStamp);
  return stamps.every((s) => s !== null) ? stamps.join('|') : null;
}

function fileStamp(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    return st.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : null;
  } catch {
    return null;
  }
}

export async function verifyModelFile(deps: EngineDeps, model: LoadedModel): Promise<void> {
  const path = model.summary.path;
  let known = verifiedFiles.get(deps);
  const seen = model.files['model'] === undefined ? undefined : known?.get(path);
  if (seen !== undefined && seen.stamp === `${modelStamp(path, seen.externals)}:${model.summary.sha256}`) return;
  const externals = model.files['model'] === undefined ? [] : externalDataFiles(path);
  const stamp = model.files['model'] === undefined ? null : modelStamp(path, externals);
  await model.verifyFile();
  if (stamp === null || modelStamp(path, externals) !== stamp) return;
  if (known === undefined) verifiedFiles.set(deps, (known = new Map()));
  known.set(path, { stamp: `${stamp}:${model.summary.sha256}`, externals });
}
