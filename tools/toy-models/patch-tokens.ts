// patch-tokens toy: a 16x16 patchify Conv embeds each patch's mean 0-1 RGB (r, g, b) as the 8-d token
//   [2r-1, 2g-1, 2b-1, r-g, g-b, b-r, 2(r+g+b)/3-1, 0.5]
// (the constant 0.5 keeps every token non-zero so cosines are defined). One attention layer follows, with a
// CLS token equal to the token of pure red prepended (T = N + 1) and Q = K = a channel selection per head:
// head 0 sees [2r-1, 2g-1, 2b-1, 0.5], head 1 sees [r-g, g-b, b-r, 2(r+g+b)/3-1]. attn = softmax(2 q.k)
// over keys, so CLS attends most to red patches and every patch most to patches of its own colour.
import { GraphBuilder } from '../onnx/index';
import { patchLinear, unitRgbFromNormalized } from './layers';
import { IMAGENET_MEAN_255, IMAGENET_STD_255, type InputSpec, type ToyModel } from './manifest';

export const TOKEN_PATCH = 16;
export const TOKEN_DIM = 8;
export const TOKEN_HEADS = 2;
export const TOKEN_HEAD_DIM = 4;
export const ATTENTION_SCALE = 2;
/** Token rows (over r, g, b) and biases: see the file comment. */
export const TOKEN_ROWS: readonly (readonly number[])[] = [
  [2, 0, 0],
  [0, 2, 0],
  [0, 0, 2],
  [1, -1, 0],
  [0, 1, -1],
  [-1, 0, 1],
  [2 / 3, 2 / 3, 2 / 3],
  [0, 0, 0],
];
export const TOKEN_BIAS: readonly number[] = [-1, -1, -1, 0, 0, 0, -1, 0.5];
/** Token channels each head's query/key sees, in order. */
export const HEAD_CHANNELS: readonly (readonly number[])[] = [
  [0, 1, 2, 7],
  [3, 4, 5, 6],
];

export function tokenOf(rgb: readonly number[]): number[] {
  return TOKEN_ROWS.map((row, d) => row.reduce((s, w, k) => s + w * (rgb[k] ?? 0), TOKEN_BIAS[d] ?? 0));
}

export function patchTokensToy(): ToyModel {
  const input: InputSpec = {
    tensor: 'image',
    policy: 'resize',
    size: [224, 224],
    mean: IMAGENET_MEAN_255,
    std: IMAGENET_STD_255,
    range: [0, 255],
    channel_order: 'RGB',
  };
  const g = new GraphBuilder('toy_colour_patch_tokens');
  const rgb = unitRgbFromNormalized(g, g.input('image', 'float32', [1, 3, 'H', 'W']), input);
  const grid = patchLinear(g, rgb, TOKEN_ROWS, TOKEN_BIAS, TOKEN_PATCH, 'patch_embed'); // [1,D,h,w]
  const flat = g.op('Reshape', [grid, g.constInt64([1, TOKEN_DIM, -1])]);
  const tokens = g.output(g.op('Transpose', [flat], { perm: [0, 2, 1] }), 'patch_tokens', 'float32', [1, 'N', TOKEN_DIM]);

  const cls = g.initializer('cls_token', Float32Array.from(tokenOf([1, 0, 0])), [1, 1, TOKEN_DIM]);
  const all = g.op('Concat', [cls, tokens], { axis: 1 }); // [1,T,D]
  const select = new Float32Array(TOKEN_DIM * TOKEN_HEADS * TOKEN_HEAD_DIM);
  HEAD_CHANNELS.forEach((channels, h) =>
    channels.forEach((d, j) => (select[d * TOKEN_HEADS * TOKEN_HEAD_DIM + h * TOKEN_HEAD_DIM + j] = 1)),
  );
  const qk = g.op('MatMul', [all, g.initializer('qk_proj', select, [TOKEN_DIM, TOKEN_HEADS * TOKEN_HEAD_DIM])]);
  const split = g.op('Reshape', [qk, g.constInt64([1, -1, TOKEN_HEADS, TOKEN_HEAD_DIM])]); // [1,T,h,dh]
  const q = g.op('Transpose', [split], { perm: [0, 2, 1, 3] }); // [1,h,T,dh]
  const kT = g.op('Transpose', [split], { perm: [0, 2, 3, 1] }); // [1,h,dh,T]
  const scores = g.op('Mul', [g.op('MatMul', [q, kT]), g.constFloat(ATTENTION_SCALE)]);
  g.output(g.op('Softmax', [scores], { axis: -1 }), 'attn_l0', 'float32', [1, TOKEN_HEADS, 'T', 'T']);

  const name = 'toy-colour-patch-tokens';
  return {
    onnx: g.toModel({ docString: 'Tessera toy: colour patch tokens and one colour-similarity attention layer with a red CLS.' }),
    manifest: {
      name,
      kind: 'patch-tokens',
      toy: true,
      description: 'Toy: 8-d colour tokens per 16x16 patch; one 2-head attention layer (Q = K) whose CLS token is pure red.',
      files: { model: `${name}.onnx` },
      input,
      outputs: { patch_tokens: 'patch_tokens', attn_l0: 'attn_l0' },
      classes: { names: [], palette: [], background: null },
      params: {
        patch_size: TOKEN_PATCH,
        dim: TOKEN_DIM,
        heads: TOKEN_HEADS,
        // attn_l0 index 0 is CLS; patch_tokens hold only the N patch tokens.
        attention_prefix_tokens: 1,
        patch_tokens_prefix_tokens: 0,
        attention_layers: [0],
      },
      execution_providers: ['cpu'],
    },
  };
}
