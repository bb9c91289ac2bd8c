// The manifest written beside each toy `.onnx` (docs/design.md §4.1; fields: docs/manifest.md). Kept here, not in src/shared, because
// the engine owns the manifest schema; this is the shape the toys promise to follow.

export type ModelKind = 'semantic-seg' | 'probability-map' | 'cam' | 'patch-tokens' | 'seg-token' | 'prompt-decoder' | 'image-encoder';
export type SizePolicy = 'fixed' | 'resize' | 'longest-side-pad' | 'shortest-side-center-crop';
export type Rgb = [number, number, number];

export interface InputSpec {
  tensor: string;
  policy: SizePolicy;
  /** [height, width] the image is brought to (for longest-side-pad: the padded square). */
  size: [number, number];
  /** Per channel, in the units of `range`: the model sees (pixel - mean) / std. */
  mean: Rgb;
  std: Rgb;
  /** Pixel values before normalization: [0, 1] or [0, 255]. */
  range: [0, 1] | [0, 255];
  channel_order: 'RGB' | 'BGR';
}

export interface ClassSpec {
  names: string[];
  palette: Rgb[];
  /** Index of the background class in `names`, or null when there is none. */
  background: number | null;
}

export interface ToyManifest {
  name: string;
  kind: ModelKind;
  /** Always true: hand-set (or random) weights, labelled as toys in the UI. */
  toy: true;
  description: string;
  /** Role -> file name beside the manifest; `model` is the main graph. */
  files: { model: string } & Record<string, string>;
  input: InputSpec;
  /** Role -> output tensor name. */
  outputs: Record<string, string>;
  classes: ClassSpec;
  /** Kind parameters (thresholds, patch size, vocabulary ...). */
  params: Record<string, unknown>;
  execution_providers: string[];
}

export interface ToyModel {
  onnx: Uint8Array;
  manifest: ToyManifest;
  /** Extra graphs named in manifest.files (the SAM image encoder), file name -> bytes. */
  companions?: Record<string, Uint8Array>;
}

/** ImageNet statistics on 0-255 RGB, as torchvision's Normalize x255 (ToCo, SAM). */
export const IMAGENET_MEAN_255: Rgb = [123.675, 116.28, 103.53];
export const IMAGENET_STD_255: Rgb = [58.395, 57.12, 57.375];

/** OpenAI CLIP statistics (clip/clip.py `_transform`) x255, as LLaVA-based READ/LISA vision towers use. */
export const CLIP_MEAN_255: Rgb = [122.7709383, 116.7460125, 104.09373615];
export const CLIP_STD_255: Rgb = [68.5005327, 66.6321579, 70.32316305];

/** The colour classes most toys share; index 0 is background (black). Colours are 0-1 RGB. */
export const COLOUR_CLASSES: readonly { name: string; rgb: Rgb }[] = [
  { name: 'background', rgb: [0, 0, 0] },
  { name: 'red', rgb: [1, 0, 0] },
  { name: 'green', rgb: [0, 1, 0] },
  { name: 'blue', rgb: [0, 0, 1] },
];

export function colourClassSpec(): ClassSpec {
  return {
    names: COLOUR_CLASSES.map((c) => c.name),
    palette: COLOUR_CLASSES.map((c) => c.rgb.map((v) => Math.round(v * 255)) as Rgb),
    background: 0,
  };
}
