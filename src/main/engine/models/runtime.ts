import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { ApiError } from '../../../shared/api/errors';
import { ModelManifest, type Device, type ModelSummary } from '../../../shared/domain';
import type { EngineDeps } from '../deps';
import type { ModelRuntime } from './adapters/types';
import type { LoadResult, Provider, WireTensor } from './inference/protocol';
import { sha256Model } from './registry';
import { canonicalJson, manifestFingerprint } from './cacheKey';
import { EmbeddingCache } from './embeddingCache';
import { convertedOutputsTag } from './inference/outputTypes';
import { PREPROCESSING_VERSION } from './preprocess';

/** True when onnxruntime-node's CUDA provider library is installed (npm run setup:gpu). */
export function cudaProviderInstalled(): boolean {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    return existsSync(join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

/** The providers to ask for: cuda first where it may work, else CPU. A CUDA request that fails falls back visibly. */
export function providersFor(device: Device): Provider[] {
  if (device === 'cpu') return ['cpu'];
  if (device === 'cuda') return ['cuda'];
  return cudaProviderInstalled() ? ['cuda'] : ['cpu'];
}

export interface ProviderChoice {
  provider: Provider;
  /** Why the requested provider was not used, or null. */
  fallback: string | null;
}

/** What a run's cache key takes from a companion model (READ's decoder, a shared encoder). */
export interface CompanionFingerprint {
  name: string;
  fileHashes: Record<string, string>;
  manifest: unknown;
  /** Set only for a companion with float16/float64 outputs (inference/outputTypes.ts). */
  outputConversion?: string | undefined;
}

/** A registered model opened in the inference worker. */
export class LoadedModel implements ModelRuntime {
  readonly manifest: ModelManifest;
  readonly files: Record<string, string>;
  private readonly loads = new Map<string, Promise<LoadResult>>();
  choice: ProviderChoice | null = null;

  constructor(
    private readonly deps: EngineDeps,
    readonly summary: ModelSummary,
    private readonly providers: Provider[],
  ) {
    const parsed = ModelManifest.safeParse(summary.manifest);
    if (!parsed.success) throw new ApiError('MODEL_MISMATCH', `model ${summary.name}: stored manifest no longer validates; add it again`);
    this.manifest = parsed.data;
    this.files = parsed.data.files;
  }

  /** Fails clearly when the model file vanished or changed since `models add`. */
  async verifyFile(): Promise<void> {
    const path = this.summary.path;
    if (this.files['model'] === undefined) {
      // Bundle folders can be large; their content hash is checked at `models add`, presence here.
      if (!existsSync(path)) throw new ApiError('NOT_FOUND', `${path}: the bundle folder of "${this.summary.name}" vanished`);
      return;
    }
    if (!existsSync(path))
      throw new ApiError('NOT_FOUND', `${path}: the model file of "${this.summary.name}" vanished (moved or deleted since it was added)`);
    // The weights it keeps in external data files count too (registry.ts sha256Model).
    const sha = await sha256Model(path);
    if (sha !== this.summary.sha256)
      throw new ApiError(
        'MODEL_MISMATCH',
        `${path}: the model file (or an external data file it keeps weights in) changed since it was added (sha256 ${sha.slice(0, 12)}… vs ${this.summary.sha256.slice(0, 12)}…); run "tessera models add" again`,
      );
  }

  private key(role: string): string {
    return `${this.summary.sha256}:${role}:${this.providers.join('+')}`;
  }

  async load(role = 'model'): Promise<LoadResult> {
    if (role === 'model' && this.files['model'] === undefined) {
      // Precomputed tensors: nothing runs, so nothing is accelerated.
      this.choice = { provider: 'cpu', fallback: null };
      return { provider: 'cpu', fallback: null, inputs: [], outputs: [] };
    }
    let p = this.loads.get(role);
    if (p === undefined) {
      const file = this.files[role];
      if (file === undefined) throw new ApiError('MODEL_MISMATCH', `model ${this.summary.name} has no "${role}" file in its manifest`);
      // One session per key shared by every model object (concurrent samples, companions), kept
      // open for later runs and prompts; the worker never releases a session a run is using.
      p = this.deps.inference.open(this.key(role), file, this.providers);
      this.loads.set(role, p);
      p.catch(() => this.loads.delete(role));
    }
    const result = await p;
    if (role === 'model') this.choice = { provider: result.provider, fallback: result.fallback };
    return result;
  }

  async run(feeds: Record<string, WireTensor>, role = 'model'): Promise<Record<string, WireTensor>> {
    const loaded = await this.load(role);
    return this.deps.inference.run(this.key(role), feeds, this.fetches(role, loaded));
  }

  /**
   * Only the outputs the adapter reads are fetched (ISNet computes 13 side outputs, ~119 MB per
   * image, of which one is used): the manifest's output roles for the main graph, the encoder's
   * embedding output for the encoder.
   */
  private fetches(role: string, loaded: LoadResult): string[] | undefined {
    const wanted =
      role === 'model'
        ? Object.values(this.manifest.outputs)
        : role === 'encoder'
          ? [((this.manifest.params['encoder'] ?? {}) as { output?: string }).output ?? 'image_embeddings']
          : [];
    const present = wanted.filter((name, i) => wanted.indexOf(name) === i && loaded.outputs.some((o) => o.name === name));
    return present.length === 0 ? undefined : present;
  }

  private hashes: Promise<Record<string, string>> | null = null;

  /** sha256 of every file the manifest names (the main graph's hash was verified by verifyFile). */
  fileHashes(): Promise<Record<string, string>> {
    this.hashes ??= (async () => {
      const out: Record<string, string> = {};
      for (const [role, file] of Object.entries(this.files))
        out[role] = role === 'model' || role === 'bundles' ? this.summary.sha256 : await sha256Model(file);
      return out;
    })();
    return this.hashes;
  }

  /** Registered models this one calls by name (params.decoder, params.encoder_model), transitively. */
  async companionFingerprints(): Promise<CompanionFingerprint[]> {
    const seen = new Map<string, CompanionFingerprint>();
    const visit = async (m: LoadedModel): Promise<void> => {
      for (const key of ['decoder', 'encoder_model']) {
        const name = m.manifest.params[key];
        if (typeof name !== 'string' || seen.has(name)) continue;
        const summary = this.deps.repos.models.byName(name);
        if (summary === undefined) {
          seen.set(name, { name, fileHashes: {}, manifest: null });
          continue;
        }
        const other = new LoadedModel(this.deps, summary, this.providers);
        seen.set(name, {
          name,
          fileHashes: await other.fileHashes(),
          manifest: manifestFingerprint(other.manifest),
          outputConversion: convertedOutputsTag(summary.outputs),
        });
        await visit(other);
      }
    };
    await visit(this);
    return [...seen.values()];
  }

  async batchable(): Promise<boolean> {
    const loaded = await this.load();
    const shape = loaded.inputs.find((i) => i.name === this.manifest.input.tensor)?.shape;
    return shape !== undefined && shape.length > 0 && typeof shape[0] !== 'number';
  }

  /**
   * What an embedding depends on besides the image: every file of the manifest (a decoder's own
   * encoder file included) and how the image becomes the encoder's input (the input spec and the
   * preprocessing code's version). A re-added encoder with another input spec, or an upgrade that
   * changes preprocessing, never reuses old embeddings.
   */
  private async embeddingVariant(): Promise<string> {
    const fingerprint = canonicalJson({
      files: await this.fileHashes(),
      input: this.manifest.input,
      encoder: this.manifest.params['encoder'] ?? null,
      outputConversion: convertedOutputsTag(this.summary.outputs),
      preprocessing: PREPROCESSING_VERSION,
    });
    return createHash('sha256').update(fingerprint).digest('hex').slice(0, 16);
  }

  /**
   * The image's embedding from the workspace's file cache (models/embeddingCache.ts), else computed
   * and stored there. Keyed by this model file's sha256 and the image key (content hash, pixel grid)
   * plus the manifest variant; the cached values are the encoder's float32 output, bit for bit.
   */
  async embedding(imageSha: string, compute: () => Promise<WireTensor>): Promise<WireTensor> {
    const cache = new EmbeddingCache(this.deps.paths.cache);
    const key = `${imageSha}|${await this.embeddingVariant()}`;
    const cached = await cache.get(this.summary.sha256, key);
    if (cached !== null) return cached;
    const emb = await compute();
    await cache.put(this.summary.sha256, key, emb);
    return emb;
  }

  /** Companion models by name, opened once per run (every sample of the run shares them). */
  private readonly companions = new Map<string, LoadedModel>();

  async companion(name: string): Promise<ModelRuntime> {
    const known = this.companions.get(name);
    if (known !== undefined) return known;
    const summary = this.deps.repos.models.byName(name);
    if (summary === undefined)
      throw new ApiError(
        'NOT_FOUND',
        `model ${this.summary.name} needs the model "${name}" (params.decoder); add it with "tessera models add"`,
      );
    const model = new LoadedModel(this.deps, summary, this.providers);
    this.companions.set(name, model);
    return model;
  }
}
