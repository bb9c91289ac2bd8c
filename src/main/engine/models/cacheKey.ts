import { createHash } from 'node:crypto';

/**
 * Everything that can change a model's output for one sample. Two computations share a cached
 * output only when every field is equal; a field left out here is a stale result waiting to happen
 * (a fixed manifest silently served the old outputs before this key covered the whole manifest).
 */
export interface OutputCacheKeyParts {
  /** sha256 of every file the manifest names (role -> hash), the main graph included. */
  fileHashes: Readonly<Record<string, string>>;
  /** The normalized manifest (input spec, outputs, classes, params, kind): see `manifestFingerprint`. */
  manifest: unknown;
  /** Companion models the adapter calls (READ's decoder, a shared SAM encoder), by name. */
  companions: ReadonlyArray<{
    name: string;
    fileHashes: Readonly<Record<string, string>>;
    manifest: unknown;
    outputConversion?: string | undefined;
  }>;
  /** The adapter's version: bumped whenever an adapter's output for the same tensors changes. */
  adapterVersion: number;
  /** Set for models with float16/float64 outputs (inference/outputTypes.ts); absent, it leaves the key as it was. */
  outputConversion?: string | undefined;
  /** Set when CUDA may compute in TF32 (inference/cudaFloat.ts, an opt-in); absent, it leaves the key as it was. */
  cudaTf32?: true | undefined;
  /** How the image's pixels are decoded (decoder rules version and the image's pixel grid). */
  decoding: string;
  /**
   * How decoded pixels become the input tensor: `PREPROCESSING_VERSION` (preprocess.ts). Keys made
   * before it was a field (key format 2) have none, so none of them is equal to a key made now.
   */
  preprocessing: number;
  imageSha: string;
  query: string | null;
  /** The sample's ground truth, for adapters that read it (oracle prompts, CAM class presence). */
  groundTruth: Uint8Array | null;
}

/** JSON with object keys sorted at every depth, so key order in a manifest never changes a hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The parts of a parsed manifest that decide outputs: kind, input spec, outputs, classes, params.
 * Name, description, the toy flag, providers and file paths do not (files count by content).
 */
export function manifestFingerprint(manifest: {
  kind: string;
  input: unknown;
  outputs: unknown;
  classes?: unknown;
  params: unknown;
}): unknown {
  return {
    kind: manifest.kind,
    input: manifest.input,
    outputs: manifest.outputs,
    classes: manifest.classes ?? null,
    params: manifest.params,
  };
}

export function outputCacheKey(p: OutputCacheKeyParts): string {
  const h = createHash('sha256');
  h.update(
    canonicalJson({
      v: 3,
      files: p.fileHashes,
      manifest: p.manifest,
      companions: [...p.companions].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      adapter: p.adapterVersion,
      outputConversion: p.outputConversion,
      cudaTf32: p.cudaTf32,
      decoding: p.decoding,
      preprocessing: p.preprocessing,
      image: p.imageSha,
      query: p.query,
      groundTruth: p.groundTruth === null ? null : p.groundTruth.length,
    }),
  );
  h.update('\0');
  if (p.groundTruth !== null) h.update(p.groundTruth);
  return h.digest('hex');
}
