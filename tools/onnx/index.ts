export { GraphBuilder, floatAttr, floatsAttr, intsAttr, tensorAttr } from './graph-builder';
export type { AttrValue, ModelOptions, OpOptions, TensorRef, TypedAttr } from './graph-builder';
export { encodeModel, DataType } from './onnx-proto';
export type { Dim, ElemType, GraphInit, ModelInit, NodeInit, TensorData, TensorInit, ValueInfoInit } from './onnx-proto';
