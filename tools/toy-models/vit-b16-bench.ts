// vit-b16-bench: a ViT-B/16-shaped CAM model with seeded random weights, for timing the real inference path
// at the real sizes (patch 16, width 768, 12 heads, MLP 3072, 448x448 -> 28x28 = 784 patch tokens + CLS).
// Its outputs mean nothing. Each block is ~7.09 M parameters (28.4 MB float32), so the default 3 blocks keep
// the file near 90 MB; a full 12-block ViT-B would be ~345 MB. Heads follow ToCo (model_attn_aff.py):
// cam = conv(features, classifier.weight), cls_logits = classifier(global max pool(features)).
import { GraphBuilder, type TensorRef } from '../onnx/index';
import { VOC_CLASSES, vocColor } from '../../src/shared/domain/palette';
import { normalSamples, seededRandom } from './layers';
import { IMAGENET_MEAN_255, IMAGENET_STD_255, type Rgb, type ToyModel } from './manifest';

export const VIT_DIM = 768;
export const VIT_HEADS = 12;
export const VIT_MLP = 3072;
export const VIT_PATCH = 16;
export const VIT_BASE_GRID = 28;
export const VIT_CLASSES = 20;

export interface VitBenchOptions {
  /** Transformer blocks; 3 unless given (see the file comment for sizes). */
  blocks?: number;
  seed?: number;
}

class Weights {
  private readonly random: () => number;
  constructor(
    private readonly g: GraphBuilder,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }
  /** Normal(0, 0.02): timm's ViT init scale, which keeps activations tame through the LayerNorms. */
  normal(name: string, dims: number[]): TensorRef {
    return this.g.initializer(
      name,
      normalSamples(
        dims.reduce((a, b) => a * b, 1),
        0.02,
        this.random,
      ),
      dims,
    );
  }
  filled(name: string, dims: number[], value: number): TensorRef {
    return this.g.initializer(name, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value), dims);
  }
}

function layerNorm(g: GraphBuilder, w: Weights, x: TensorRef, name: string): TensorRef {
  const scale = w.filled(`${name}.weight`, [VIT_DIM], 1);
  const bias = w.filled(`${name}.bias`, [VIT_DIM], 0);
  return g.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: 1e-6 });
}

function linear(g: GraphBuilder, w: Weights, x: TensorRef, inDim: number, outDim: number, name: string): TensorRef {
  const y = g.op('MatMul', [x, w.normal(`${name}.weight`, [inDim, outDim])]);
  return g.op('Add', [y, w.filled(`${name}.bias`, [outDim], 0)]);
}

function attention(g: GraphBuilder, w: Weights, x: TensorRef, name: string): TensorRef {
  const headDim = VIT_DIM / VIT_HEADS;
  const qkv = linear(g, w, x, VIT_DIM, 3 * VIT_DIM, `${name}.qkv`);
  const split = g.op('Reshape', [qkv, g.constInt64([1, -1, 3, VIT_HEADS, headDim])]);
  const heads = g.op('Transpose', [split], { perm: [2, 0, 3, 1, 4] }); // [3,1,heads,T,hd]
  const [q, k, v] = [0, 1, 2].map((i) => g.op('Gather', [heads, g.constInt64(i)], { axis: 0 })) as [TensorRef, TensorRef, TensorRef];
  const scores = g.op('Mul', [g.op('MatMul', [q, g.op('Transpose', [k], { perm: [0, 1, 3, 2] })]), g.constFloat(1 / Math.sqrt(headDim))]);
  const mixed = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]); // [1,heads,T,hd]
  const merged = g.op('Reshape', [g.op('Transpose', [mixed], { perm: [0, 2, 1, 3] }), g.constInt64([1, -1, VIT_DIM])]);
  return linear(g, w, merged, VIT_DIM, VIT_DIM, `${name}.proj`);
}

/** GELU, exact erf form (opset 17 has no Gelu op): x / 2 * (1 + erf(x / sqrt 2)). */
function gelu(g: GraphBuilder, x: TensorRef): TensorRef {
  const erf = g.op('Erf', [g.op('Mul', [x, g.constFloat(Math.SQRT1_2)])]);
  return g.op('Mul', [g.op('Mul', [x, g.constFloat(0.5)]), g.op('Add', [erf, g.constFloat(1)])]);
}

function block(g: GraphBuilder, w: Weights, x: TensorRef, name: string): TensorRef {
  const afterAttention = g.op('Add', [x, attention(g, w, layerNorm(g, w, x, `${name}.norm1`), `${name}.attn`)]);
  const hidden = gelu(g, linear(g, w, layerNorm(g, w, afterAttention, `${name}.norm2`), VIT_DIM, VIT_MLP, `${name}.fc1`));
  return g.op('Add', [afterAttention, linear(g, w, hidden, VIT_MLP, VIT_DIM, `${name}.fc2`)]);
}

/** Patch embedding plus a 28x28 position table resized bilinearly to the input's grid (ToCo runs 3 scales). */
function embed(g: GraphBuilder, w: Weights, image: TensorRef): { tokens: TensorRef; gridShape: TensorRef } {
  const patches = g.op(
    'Conv',
    [image, w.normal('patch_embed.weight', [VIT_DIM, 3, VIT_PATCH, VIT_PATCH]), w.filled('patch_embed.bias', [VIT_DIM], 0)],
    {
      kernel_shape: [VIT_PATCH, VIT_PATCH],
      strides: [VIT_PATCH, VIT_PATCH],
    },
  ); // [1,D,h,w]
  const gridShape = g.op('Shape', [patches]);
  const pos = g.op('Resize', [w.normal('pos_embed', [1, VIT_DIM, VIT_BASE_GRID, VIT_BASE_GRID]), null, null, gridShape], {
    mode: 'linear',
  });
  const flat = g.op('Reshape', [g.op('Add', [patches, pos]), g.constInt64([1, VIT_DIM, -1])]);
  const tokens = g.op('Transpose', [flat], { perm: [0, 2, 1] }); // [1,N,D]
  return { tokens: g.op('Concat', [w.normal('cls_token', [1, 1, VIT_DIM]), tokens], { axis: 1 }), gridShape };
}

export function vitB16BenchOnnx(options: VitBenchOptions = {}): Uint8Array {
  const blocks = options.blocks ?? 3;
  const g = new GraphBuilder('vit_b16_bench');
  const w = new Weights(g, options.seed ?? 16);
  const image = g.input('image', 'float32', [1, 3, 'H', 'W']);
  const { tokens, gridShape } = embed(g, w, image);
  let x = tokens;
  for (let i = 0; i < blocks; i++) x = block(g, w, x, `blocks.${i}`);
  const normed = layerNorm(g, w, x, 'norm');
  const patchTokens = g.op('Slice', [normed, g.constInt64([1]), g.constInt64([2n ** 63n - 1n]), g.constInt64([1])]);
  const features = g.op('Reshape', [g.op('Transpose', [patchTokens], { perm: [0, 2, 1] }), gridShape]); // [1,D,h,w]
  const classifier = w.normal('classifier.weight', [VIT_CLASSES, VIT_DIM, 1, 1]);
  g.output(g.op('Conv', [features, classifier], { kernel_shape: [1, 1] }), 'cam', 'float32', [1, VIT_CLASSES, 'h', 'w']);
  const pooled = g.op('Conv', [g.op('GlobalMaxPool', [features]), classifier], { kernel_shape: [1, 1] });
  g.output(g.op('Reshape', [pooled, g.constInt64([1, VIT_CLASSES])]), 'cls_logits', 'float32', [1, VIT_CLASSES]);
  return g.toModel({ docString: `Tessera bench model: ViT-B/16 shape, ${blocks} blocks, seeded random weights.` });
}

export function vitB16BenchToy(options: VitBenchOptions = {}): ToyModel {
  const blocks = options.blocks ?? 3;
  const name = 'vit-b16-bench';
  return {
    onnx: vitB16BenchOnnx(options),
    manifest: {
      name,
      kind: 'cam',
      toy: true,
      description: `Benchmark only: ViT-B/16-shaped CAM model (${blocks} of 12 blocks) with seeded random weights; its outputs mean nothing.`,
      files: { model: `${name}.onnx` },
      input: {
        tensor: 'image',
        policy: 'resize',
        size: [448, 448],
        mean: IMAGENET_MEAN_255,
        std: IMAGENET_STD_255,
        range: [0, 255],
        channel_order: 'RGB',
      },
      outputs: { cam: 'cam', cls_logits: 'cls_logits' },
      classes: { names: [...VOC_CLASSES], palette: VOC_CLASSES.map((_, i) => vocColor(i) as Rgb), background: 0 },
      params: {
        patch_size: VIT_PATCH,
        cam_channels: 'foreground',
        scales: [1.0, 0.5, 1.5],
        flip: true,
        bg_threshold: 0.5,
        three_band: { high: 0.7, low: 0.25 },
        benchmark_only: true,
        blocks,
        seed: options.seed ?? 16,
      },
      execution_providers: ['cuda', 'cpu'],
    },
  };
}
