// A tiny graph builder over the encoder in onnx-proto.ts: values are named handles, ops append nodes in
// call order (which is therefore a topological order, as GraphProto requires).
import {
  encodeModel,
  type AttributeInit,
  type Dim,
  type ElemType,
  type NodeInit,
  type TensorData,
  type TensorInit,
  type ValueInfoInit,
} from './onnx-proto';

/** A value in the graph: a graph input, an initializer or a node output. */
export interface TensorRef {
  readonly name: string;
}

/** An attribute whose ONNX type cannot be guessed from a plain number (a float that happens to be whole). */
export type TypedAttr =
  | { readonly typed: 'float'; readonly value: number }
  | { readonly typed: 'floats'; readonly value: readonly number[] }
  | { readonly typed: 'ints'; readonly value: readonly (number | bigint)[] }
  | { readonly typed: 'tensor'; readonly value: TensorInit };

/**
 * Plain numbers become INT when whole and FLOAT otherwise; number arrays become INTS when all whole and
 * FLOATS otherwise; strings become STRING. Use floatAttr()/floatsAttr()/tensorAttr() where that guess is wrong.
 */
export type AttrValue = number | bigint | string | readonly number[] | TypedAttr;

export function floatAttr(value: number): TypedAttr {
  return { typed: 'float', value };
}

export function floatsAttr(value: readonly number[]): TypedAttr {
  return { typed: 'floats', value };
}

export function intsAttr(value: readonly (number | bigint)[]): TypedAttr {
  return { typed: 'ints', value };
}

export function tensorAttr(value: TensorInit): TypedAttr {
  return { typed: 'tensor', value };
}

export interface ModelOptions {
  /** ai.onnx opset; 17 unless given. */
  opset?: number;
  /** 8 unless given (the IR version that opset 17 shipped with, ONNX 1.12). */
  irVersion?: number;
  producer?: string;
  producerVersion?: string;
  docString?: string;
  metadata?: Readonly<Record<string, string>>;
}

export interface OpOptions {
  /** Name of the (first) output; generated when absent. */
  output?: string;
  domain?: string;
}

export class GraphBuilder {
  private readonly nodes: NodeInit[] = [];
  private readonly initializers: TensorInit[] = [];
  private readonly inputs: ValueInfoInit[] = [];
  private readonly outputs: ValueInfoInit[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(private readonly name = 'graph') {}

  input(name: string, type: ElemType, dims: readonly Dim[]): TensorRef {
    this.claim(name);
    this.inputs.push({ name, type, dims });
    return { name };
  }

  /** A constant stored in the model. The element type follows the array: Uint8Array means bool unless told. */
  initializer(name: string, data: TensorData, dims: readonly number[], type?: ElemType): TensorRef {
    this.claim(name);
    this.initializers.push({ name, type: type ?? elemTypeOf(data), dims, data });
    return { name };
  }

  /** A float32 constant with a generated name; a bare number is a scalar (dims []). */
  constFloat(values: number | ArrayLike<number>, dims?: readonly number[]): TensorRef {
    const data = typeof values === 'number' ? Float32Array.of(values) : Float32Array.from(values);
    return this.initializer(this.fresh('const'), data, dims ?? (typeof values === 'number' ? [] : [data.length]));
  }

  /** An int64 constant with a generated name (shapes, axes, Slice bounds); a bare number is a scalar. */
  constInt64(values: number | readonly (number | bigint)[], dims?: readonly number[]): TensorRef {
    const list = typeof values === 'number' ? [values] : values;
    const data = BigInt64Array.from(list, (v) => BigInt(v));
    return this.initializer(this.fresh('const'), data, dims ?? (typeof values === 'number' ? [] : [data.length]));
  }

  /** One node with one output. A null input is an omitted optional input (written as ''). */
  op(opType: string, inputs: readonly (TensorRef | null)[], attrs: Record<string, AttrValue> = {}, options: OpOptions = {}): TensorRef {
    const [out] = this.opN(opType, inputs, 1, attrs, options);
    if (out === undefined) throw new Error('unreachable: opN returned no output');
    return out;
  }

  /** One node with several outputs (Split, TopK, ...). */
  opN(
    opType: string,
    inputs: readonly (TensorRef | null)[],
    outputCount: number,
    attrs: Record<string, AttrValue> = {},
    options: OpOptions = {},
  ): TensorRef[] {
    const outputs: string[] = [];
    for (let i = 0; i < outputCount; i++) {
      const name = i === 0 && options.output !== undefined ? options.output : this.fresh(opType.toLowerCase());
      this.claim(name);
      outputs.push(name);
    }
    this.nodes.push({
      opType,
      inputs: inputs.map((ref) => (ref === null ? '' : this.known(ref))),
      outputs,
      name: `${opType}_${this.nodes.length}`,
      ...(options.domain !== undefined ? { domain: options.domain } : {}),
      attributes: Object.entries(attrs).map(([name, value]) => toAttribute(name, value)),
    });
    return outputs.map((name) => ({ name }));
  }

  /** Declares a graph output; a value under another name is passed through an Identity named `name`. */
  output(ref: TensorRef, name: string, type: ElemType = 'float32', dims?: readonly Dim[]): TensorRef {
    const value = ref.name === name ? ref : this.op('Identity', [ref], {}, { output: name });
    this.outputs.push({ name, type, ...(dims !== undefined ? { dims } : {}) });
    return value;
  }

  toModel(options: ModelOptions = {}): Uint8Array {
    if (this.outputs.length === 0) throw new Error(`graph ${this.name}: no outputs declared`);
    return encodeModel({
      irVersion: options.irVersion ?? 8,
      opsetImports: [{ domain: '', version: options.opset ?? 17 }],
      producerName: options.producer ?? 'tessera-toys',
      ...(options.producerVersion !== undefined ? { producerVersion: options.producerVersion } : {}),
      ...(options.docString !== undefined ? { docString: options.docString } : {}),
      ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
      graph: {
        name: this.name,
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: this.inputs,
        outputs: this.outputs,
      },
    });
  }

  private fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.names.has(name));
    return name;
  }

  private claim(name: string): void {
    if (name === '') throw new Error(`graph ${this.name}: empty value name`);
    if (this.names.has(name)) throw new Error(`graph ${this.name}: value ${name} defined twice`);
    this.names.add(name);
  }

  private known(ref: TensorRef): string {
    if (!this.names.has(ref.name)) throw new Error(`graph ${this.name}: value ${ref.name} is used before it is defined`);
    return ref.name;
  }
}

function elemTypeOf(data: TensorData): ElemType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  return 'bool';
}

function toAttribute(name: string, value: AttrValue): AttributeInit {
  if (typeof value === 'string') return { name, type: 'string', value };
  if (typeof value === 'bigint') return { name, type: 'int', value };
  if (typeof value === 'number') return Number.isInteger(value) ? { name, type: 'int', value } : { name, type: 'float', value };
  if (isTyped(value)) {
    switch (value.typed) {
      case 'float':
        return { name, type: 'float', value: value.value };
      case 'floats':
        return { name, type: 'floats', value: value.value };
      case 'ints':
        return { name, type: 'ints', value: value.value };
      case 'tensor':
        return { name, type: 'tensor', value: value.value };
    }
  }
  return value.every(Number.isInteger) ? { name, type: 'ints', value } : { name, type: 'floats', value };
}

function isTyped(value: readonly number[] | TypedAttr): value is TypedAttr {
  return !Array.isArray(value);
}
