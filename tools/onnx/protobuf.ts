// A minimal protocol-buffers *encoder*: just the wire types ONNX needs (varint, 32-bit, length-delimited).
// Wire format: https://protobuf.dev/programming-guides/encoding/
//
// A message is kept as a list of byte chunks rather than one growing buffer, so that a nested message
// (a 100 MB initializer inside a graph inside a model) is linked in, not copied, at every level; the bytes
// are concatenated once, in `finish()`.

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private pending: number[] = [];
  private chunkBytes = 0;

  /** Bytes written so far (what a parent message needs for the length prefix). */
  get byteLength(): number {
    return this.chunkBytes + this.pending.length;
  }

  /** An unsigned varint: 7 bits a byte, low groups first. Negative int64s are 10 bytes of two's complement. */
  varint(value: number | bigint): this {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      let v = value;
      // Division rather than `>>>` because values can exceed 32 bits.
      while (v >= 0x80) {
        this.pending.push((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      this.pending.push(v);
      return this;
    }
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`varint: ${value} is not a safe integer; pass a bigint`);
    }
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.pending.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.pending.push(Number(v));
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  /** int32 / int64 / enum / bool scalar field. */
  intField(field: number, value: number | bigint): this {
    return this.tag(field, WIRE_VARINT).varint(value);
  }

  floatField(field: number, value: number): this {
    this.tag(field, WIRE_I32);
    return this.raw(float32Bytes([value]));
  }

  stringField(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  bytesField(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN).varint(value.byteLength);
    return this.raw(value);
  }

  messageField(field: number, message: ProtoWriter): this {
    this.tag(field, WIRE_LEN).varint(message.byteLength);
    message.flush();
    for (const chunk of message.chunks) this.raw(chunk);
    return this;
  }

  /** `repeated float x = n [packed = true]`: one length-delimited run of little-endian float32s. */
  packedFloatField(field: number, values: ArrayLike<number>): this {
    const bytes = float32Bytes(values);
    return this.bytesField(field, bytes);
  }

  /** `repeated int64 x = n [packed = true]`: one length-delimited run of varints. */
  packedIntField(field: number, values: ArrayLike<number | bigint>): this {
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.varint(values[i] ?? 0);
    return this.tag(field, WIRE_LEN).varint(inner.byteLength).appendWriter(inner);
  }

  /**
   * Proto2 `repeated` scalars that onnx.proto does not mark packed (AttributeProto.ints, TensorProto.dims)
   * are written one tagged element each, the form every parser must accept.
   */
  repeatedIntField(field: number, values: ArrayLike<number | bigint>): this {
    for (let i = 0; i < values.length; i++) this.intField(field, values[i] ?? 0);
    return this;
  }

  repeatedFloatField(field: number, values: ArrayLike<number>): this {
    for (let i = 0; i < values.length; i++) this.floatField(field, values[i] ?? 0);
    return this;
  }

  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1 && this.chunks[0] !== undefined) return this.chunks[0];
    const out = new Uint8Array(this.chunkBytes);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }

  private appendWriter(other: ProtoWriter): this {
    other.flush();
    for (const chunk of other.chunks) this.raw(chunk);
    return this;
  }

  private raw(bytes: Uint8Array): this {
    // Small pieces go through `pending` so a graph of many tiny fields does not become many tiny chunks.
    if (bytes.byteLength < 64) {
      for (const b of bytes) this.pending.push(b);
      return this;
    }
    this.flush();
    this.chunks.push(bytes);
    this.chunkBytes += bytes.byteLength;
    return this;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Uint8Array.from(this.pending));
    this.chunkBytes += this.pending.length;
    this.pending = [];
  }
}

/** Little-endian IEEE 754 float32 bytes, as protobuf's fixed32 and ONNX's raw_data both require. */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] ?? 0, true);
  return out;
}
