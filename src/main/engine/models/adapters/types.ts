import type { ModelManifest } from '../../../../shared/domain';
import type { Heatmap } from '../../store/repos/predictions';
import type { InputGeometry, RgbImage } from '../preprocess';
import type { WireTensor } from '../inference/protocol';

/** What an adapter may ask of the runtime: inference on the model's graphs, by file role. */
export interface ModelRuntime {
  manifest: ModelManifest;
  run(feeds: Record<string, WireTensor>, role?: string): Promise<Record<string, WireTensor>>;
  /** Cached image embeddings (SAM encoders): computed once per (model, image). */
  embedding(imageSha: string, compute: () => Promise<WireTensor>): Promise<WireTensor>;
  /** True when the model's image input has a dynamic batch dimension (several images per run). */
  batchable(): Promise<boolean>;
  /** A registered companion model by name (READ's seg-token -> SAM decoder). */
  companion(name: string): Promise<ModelRuntime>;
}

export interface SampleToPredict {
  sampleId: number;
  imageId: number;
  imagePath: string;
  imageSha: string;
  width: number;
  height: number;
  fileName: string;
  /** The text query of referring/reasoning samples, else null. */
  query: string | null;
  /** Which query of its image this sample is (0-based, import order): names its tensor bundle. */
  queryIndex: number;
  rgb: RgbImage;
  /** Ground-truth label map when the sample has one (CAM present classes, oracle prompts). */
  groundTruth: Uint8Array | null;
}

/** A predicted region in *model* class indices; the run maps them to dataset classes. */
export interface ModelRegion {
  modelClass: number;
  /** Set when the region's dataset class is already known (oracle prompts placed in a GT region). */
  datasetClass?: number;
  mask: Uint8Array;
  score?: number;
}

export interface AdapterOutput {
  /** A label map in model class indices (semantic), or null. */
  labelMap: Uint8Array | null;
  /** Binary masks (referring samples: class 1), or empty. */
  masks: ModelRegion[];
  heatmaps: Heatmap[];
}

export interface Adapter {
  /** Inputs beyond the image tensor that the ONNX file must have. */
  requiredInputs(manifest: ModelManifest): string[];
  /**
   * Set where heavy post-processing can run in the worker pool (`ctx.postprocess === 'pool'`): the run
   * then keeps more items in flight past the inference worker. Others post-process on the engine's thread.
   */
  poolPostprocess?: true;
  predict(rt: ModelRuntime, sample: SampleToPredict, ctx: AdapterContext): Promise<AdapterOutput>;
}

export interface AdapterContext {
  modelToDataset: (modelClass: number) => number;
  /**
   * Where heavy post-processing runs (a CAM run's fusion and pseudo label): 'pool' on the worker pool,
   * so the engine's thread keeps feeding a GPU; 'inline' on the engine's thread (on the CPU provider
   * the model's own threads use the cores). models/postprocessPlace.ts decides. Absent: inline.
   */
  postprocess?: 'pool' | 'inline';
}

export type { InputGeometry };

export function f32(t: WireTensor | undefined, what: string): Float32Array {
  if (t === undefined) throw new Error(`model output ${what} is missing`);
  if (t.type !== 'float32') throw new Error(`model output ${what} is ${t.type}, expected float32`);
  return new Float32Array(t.data);
}

export function outputNamed(manifest: ModelManifest, role: string): string {
  const name = manifest.outputs[role];
  if (name === undefined) throw new Error(`manifest has no output role "${role}"`);
  return name;
}
