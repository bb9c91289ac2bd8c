import type { Interpolation, ModelKind, SizePolicy, TensorInfo } from '../../../shared';

/** What the "ONNX file + form" fields hold (strings as typed); `buildManifest` turns it into a manifest. */
export interface ManifestDraft {
  name: string;
  kind: ModelKind;
  tensor: string;
  policy: SizePolicy;
  height: string;
  width: string;
  /** keep-aspect: each side a multiple of this. */
  multiple: string;
  mean: string;
  std: string;
  range: '0-1' | '0-255';
  channelOrder: 'RGB' | 'BGR';
  /** How the image is resized (docs/manifest.md): torch-bilinear unless the model's own pipeline says otherwise. */
  interpolation: Interpolation;
  outputs: Array<{ role: string; tensor: string }>;
  /** Class names, one per line or comma-separated. */
  classes: string;
  background: 'first' | 'none';
  /** Optional JSON object. */
  params: string;
  format: 'yaml' | 'json';
}

/**
 * Output roles offered per kind (README "Models"): the required ones first, then the optional ones
 * an adapter reads when present. Hints only: the engine checks the manifest and lists what is missing.
 */
export const OUTPUT_ROLES: Record<ModelKind, string[]> = {
  'semantic-seg': ['logits'],
  'probability-map': ['probability'],
  cam: ['cam', 'cls_logits'],
  'patch-tokens': ['patch_tokens'],
  'seg-token': ['image_hidden', 'seg_hidden', 'seg_embeds'],
  'prompt-decoder': ['masks', 'iou_predictions'],
  'image-encoder': ['image_embeddings'],
};

export const NORMALIZATION_PRESETS: Record<string, { label: string; mean: string; std: string; range: '0-1' | '0-255' }> = {
  none: { label: 'none (mean 0, std 1)', mean: '0, 0, 0', std: '1, 1, 1', range: '0-1' },
  'imagenet-1': { label: 'ImageNet, 0–1', mean: '0.485, 0.456, 0.406', std: '0.229, 0.224, 0.225', range: '0-1' },
  'imagenet-255': { label: 'ImageNet, 0–255', mean: '123.675, 116.28, 103.53', std: '58.395, 57.12, 57.375', range: '0-255' },
};

function stemOf(path: string): string {
  const file = path.split(/[\\/]/).pop() ?? path;
  return file.replace(/\.onnx$/i, '');
}

/** The output tensor for a role: one named like the role, else (for the first role) the first output. */
function tensorForRole(role: string, index: number, outputs: TensorInfo[]): string {
  if (outputs.some((o) => o.name === role)) return role;
  return index === 0 ? (outputs[0]?.name ?? '') : '';
}

export function rolesFor(kind: ModelKind, outputs: TensorInfo[], keep: ManifestDraft['outputs'] = []): ManifestDraft['outputs'] {
  return OUTPUT_ROLES[kind].map((role, i) => ({
    role,
    tensor: keep.find((r) => r.role === role)?.tensor ?? tensorForRole(role, i, outputs),
  }));
}

/** First guesses from the ONNX file: its image input ([N,3,H,W]), its static size if any, outputs by role name. */
export function draftFromInspection(path: string, inputs: TensorInfo[], outputs: TensorInfo[]): ManifestDraft {
  const image = inputs.find((t) => t.shape.length === 4 && (t.shape[1] === 3 || typeof t.shape[1] === 'string')) ?? inputs[0];
  const [h, w] = [image?.shape[2], image?.shape[3]];
  const fixedSize = typeof h === 'number' && typeof w === 'number';
  const kind: ModelKind = 'semantic-seg';
  return {
    name: stemOf(path),
    kind,
    tensor: image?.name ?? '',
    policy: fixedSize ? 'resize' : 'fixed',
    height: fixedSize ? String(h) : '512',
    width: fixedSize ? String(w) : '512',
    multiple: '32',
    mean: '0, 0, 0',
    std: '1, 1, 1',
    range: '0-1',
    channelOrder: 'RGB',
    interpolation: 'torch-bilinear',
    outputs: rolesFor(kind, outputs),
    classes: '',
    background: 'first',
    params: '',
    format: 'yaml',
  };
}

/** "0.5, 0.5, 0.5" -> [0.5, 0.5, 0.5]; anything else is passed on as typed, for the engine to name the field. */
function numbers(text: string): number[] | string {
  const parts = text
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const values = parts.map(Number);
  return values.every((v) => Number.isFinite(v)) ? values : text;
}

function integer(text: string): number | string {
  const v = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(v) ? v : text;
}

/** The manifest the engine writes beside the ONNX file; only a params field that is not JSON fails here. */
export function buildManifest(d: ManifestDraft): { manifest: Record<string, unknown> } | { error: string } {
  let params: unknown = undefined;
  if (d.params.trim() !== '') {
    try {
      params = JSON.parse(d.params) as unknown;
    } catch {
      return { error: 'params: not valid JSON (write an object such as {"threshold": 0.5})' };
    }
  }
  const keepAspect = d.policy === 'keep-aspect';
  const input: Record<string, unknown> = {
    tensor: d.tensor,
    policy: d.policy,
    size: keepAspect ? integer(d.height) : [integer(d.height), integer(d.width)],
    ...(keepAspect ? { multiple: integer(d.multiple) } : {}),
    mean: numbers(d.mean),
    std: numbers(d.std),
    range: d.range,
    channel_order: d.channelOrder,
    ...(d.interpolation === 'torch-bilinear' ? {} : { interpolation: d.interpolation }),
  };
  const outputs = Object.fromEntries(
    d.outputs.filter((o) => o.role.trim() !== '' && o.tensor !== '').map((o) => [o.role.trim(), o.tensor]),
  );
  const names = d.classes
    .split(/[\n,]+/)
    .map((c) => c.trim())
    .filter((c) => c !== '');
  return {
    manifest: {
      name: d.name.trim(),
      kind: d.kind,
      // Filled in by the engine with the ONNX file's name; listed here so it comes third in the file.
      files: {},
      input,
      outputs,
      ...(names.length > 0 ? { classes: { names, background: d.background === 'first' ? 0 : null } } : {}),
      ...(params !== undefined ? { params } : {}),
    },
  };
}
