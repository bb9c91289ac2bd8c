// Encoders for the subset of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, proto2) that a model of
// plain tensors needs. Field numbers are copied from that file; each is cited beside its message.
import { ProtoWriter, float32Bytes } from './protobuf';

/** TensorProto.DataType values (onnx.proto `enum DataType`). */
export const DataType = { float32: 1, uint8: 2, int32: 6, int64: 7, string: 8, bool: 9 } as const;
export type ElemType = keyof typeof DataType;

/** AttributeProto.AttributeType values (onnx.proto `enum AttributeType`). */
const AttributeType = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

/** A fixed size, or a symbolic one (`dim_param`) such as 'H' or 'batch'. */
export type Dim = number | string;

export type TensorData = Float32Array | BigInt64Array | Int32Array | Uint8Array;

export interface TensorInit {
  name: string;
  type: ElemType;
  dims: readonly number[];
  /** float32 -> Float32Array, int64 -> BigInt64Array, int32 -> Int32Array, bool/uint8 -> Uint8Array (0/1). */
  data: TensorData;
  /** 'raw' (default) stores raw_data; 'typed' stores float_data / int64_data / int32_data (packed). */
  storage?: 'raw' | 'typed';
}

export type AttributeInit =
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'int'; value: number | bigint }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'tensor'; value: TensorInit }
  | { name: string; type: 'floats'; value: readonly number[] }
  | { name: string; type: 'ints'; value: readonly (number | bigint)[] };

export interface NodeInit {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  domain?: string;
  attributes?: readonly AttributeInit[];
}

export interface ValueInfoInit {
  name: string;
  type: ElemType;
  /** Omit for a value of unknown rank. */
  dims?: readonly Dim[];
}

export interface GraphInit {
  name: string;
  nodes: readonly NodeInit[];
  initializers: readonly TensorInit[];
  inputs: readonly ValueInfoInit[];
  outputs: readonly ValueInfoInit[];
  valueInfo?: readonly ValueInfoInit[];
  docString?: string;
}

export interface ModelInit {
  irVersion: number;
  opsetImports: readonly { domain: string; version: number }[];
  producerName: string;
  producerVersion?: string;
  docString?: string;
  metadata?: Readonly<Record<string, string>>;
  graph: GraphInit;
}

/** ModelProto: ir_version=1, producer_name=2, producer_version=3, doc_string=6, graph=7, opset_import=8, metadata_props=14. */
export function encodeModel(model: ModelInit): Uint8Array {
  const w = new ProtoWriter();
  w.intField(1, model.irVersion);
  w.stringField(2, model.producerName);
  if (model.producerVersion !== undefined) w.stringField(3, model.producerVersion);
  if (model.docString !== undefined) w.stringField(6, model.docString);
  w.messageField(7, graphMessage(model.graph));
  for (const opset of model.opsetImports) {
    // OperatorSetIdProto: domain=1, version=2.
    w.messageField(8, new ProtoWriter().stringField(1, opset.domain).intField(2, opset.version));
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    // StringStringEntryProto: key=1, value=2.
    w.messageField(14, new ProtoWriter().stringField(1, key).stringField(2, value));
  }
  return w.finish();
}

/** GraphProto: node=1, name=2, initializer=5, doc_string=10, input=11, output=12, value_info=13. */
function graphMessage(graph: GraphInit): ProtoWriter {
  const w = new ProtoWriter();
  for (const node of graph.nodes) w.messageField(1, nodeMessage(node));
  w.stringField(2, graph.name);
  for (const tensor of graph.initializers) w.messageField(5, tensorMessage(tensor));
  if (graph.docString !== undefined) w.stringField(10, graph.docString);
  for (const input of graph.inputs) w.messageField(11, valueInfoMessage(input));
  for (const output of graph.outputs) w.messageField(12, valueInfoMessage(output));
  for (const info of graph.valueInfo ?? []) w.messageField(13, valueInfoMessage(info));
  return w;
}

/** NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, domain=7. */
function nodeMessage(node: NodeInit): ProtoWriter {
  const w = new ProtoWriter();
  for (const input of node.inputs) w.stringField(1, input);
  for (const output of node.outputs) w.stringField(2, output);
  if (node.name !== undefined) w.stringField(3, node.name);
  w.stringField(4, node.opType);
  for (const attribute of node.attributes ?? []) w.messageField(5, attributeMessage(attribute));
  if (node.domain !== undefined) w.stringField(7, node.domain);
  return w;
}

/** AttributeProto: name=1, f=2, i=3, s=4, t=5, floats=7, ints=8, type=20. */
function attributeMessage(attribute: AttributeInit): ProtoWriter {
  const w = new ProtoWriter().stringField(1, attribute.name);
  switch (attribute.type) {
    case 'float':
      w.floatField(2, attribute.value);
      break;
    case 'int':
      w.intField(3, attribute.value);
      break;
    case 'string':
      w.stringField(4, attribute.value);
      break;
    case 'tensor':
      w.messageField(5, tensorMessage(attribute.value));
      break;
    case 'floats':
      w.repeatedFloatField(7, attribute.value);
      break;
    case 'ints':
      w.repeatedIntField(8, attribute.value);
      break;
  }
  w.intField(20, AttributeType[attribute.type]);
  return w;
}

/** TensorProto: dims=1, data_type=2, float_data=4, int32_data=5, int64_data=7, name=8, raw_data=9. */
function tensorMessage(tensor: TensorInit): ProtoWriter {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (count !== tensor.data.length) {
    throw new Error(`tensor ${tensor.name}: dims [${tensor.dims.join(',')}] hold ${count} values, data has ${tensor.data.length}`);
  }
  // Strings need string_data, which no toy uses; only graph values (Constant outputs) may be strings.
  if (tensor.type === 'string') throw new Error(`tensor ${tensor.name}: string tensors are not supported`);
  const w = new ProtoWriter();
  w.repeatedIntField(1, tensor.dims);
  w.intField(2, DataType[tensor.type]);
  w.stringField(8, tensor.name);
  if (tensor.storage === 'typed') writeTypedData(w, tensor);
  else w.bytesField(9, rawBytes(tensor));
  return w;
}

function writeTypedData(w: ProtoWriter, tensor: TensorInit): void {
  const { data } = tensor;
  if (data instanceof Float32Array) w.packedFloatField(4, data);
  else if (data instanceof BigInt64Array) w.packedIntField(7, data);
  else w.packedIntField(5, data); // int32, uint8 and bool all live in int32_data.
}

/** raw_data: fixed-width little-endian elements; bool is one byte each (onnx.proto, TensorProto.raw_data). */
function rawBytes(tensor: TensorInit): Uint8Array {
  const { data } = tensor;
  if (data instanceof Float32Array) return littleEndian ? viewBytes(data) : float32Bytes(data);
  if (!littleEndian) throw new Error('raw_data for integer tensors is only written on little-endian hosts');
  return viewBytes(data);
}

function viewBytes(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function valueInfoMessage(info: ValueInfoInit): ProtoWriter {
  // TensorShapeProto.Dimension: dim_value=1, dim_param=2. TensorShapeProto: dim=1.
  // TypeProto.Tensor: elem_type=1, shape=2. TypeProto: tensor_type=1. ValueInfoProto: name=1, type=2.
  const tensorType = new ProtoWriter().intField(1, DataType[info.type]);
  if (info.dims !== undefined) {
    const shape = new ProtoWriter();
    for (const dim of info.dims) {
      const d = new ProtoWriter();
      if (typeof dim === 'number') d.intField(1, dim);
      else d.stringField(2, dim);
      shape.messageField(1, d);
    }
    tensorType.messageField(2, shape);
  }
  const type = new ProtoWriter().messageField(1, tensorType);
  return new ProtoWriter().stringField(1, info.name).messageField(2, type);
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
