/** Messages between the engine and the inference worker. Tensors travel as transferred ArrayBuffers. */
export type TensorType = 'float32' | 'int64' | 'int32' | 'bool' | 'uint8';

export interface WireTensor {
  type: TensorType;
  dims: number[];
  data: ArrayBuffer;
}

export interface TensorMeta {
  name: string;
  type: string;
  shape: Array<number | string>;
}

export type Provider = 'cuda' | 'cpu';

export type WorkerRequest =
  | { id: number; type: 'load'; key: string; path: string; providers: Provider[] }
  | { id: number; type: 'run'; key: string; feeds: Record<string, WireTensor>; fetches?: string[] }
  | { id: number; type: 'unload'; key: string };

export interface LoadResult {
  provider: Provider;
  /** Why a requested provider was not used (e.g. CUDA libraries missing), or null. */
  fallback: string | null;
  inputs: TensorMeta[];
  outputs: TensorMeta[];
}

export type WorkerResponse =
  | { id: number; ok: true; type: 'load'; result: LoadResult }
  | { id: number; ok: true; type: 'run'; outputs: Record<string, WireTensor>; /** session.run time in ms. */ ms?: number }
  | { id: number; ok: true; type: 'unload' }
  | {
      id: number;
      ok: false;
      message: string;
      /** True when onnxruntime's session.run itself refused (a shape error, say), not the load or the output conversion. */
      sessionRun?: boolean;
    };
