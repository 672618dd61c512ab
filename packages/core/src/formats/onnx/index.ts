export {
  type AttributeValue,
  type BuildOptions,
  OnnxGraphBuilder,
  type TensorSpec,
  tensorBytes,
} from './builder.ts';
export {
  MAX_TENSOR_ELEMENTS,
  type OnnxAttribute,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
  type ParseOnnxOptions,
  parseOnnx,
} from './parse.ts';
export { ATTRIBUTE_TYPE, DATA_TYPE } from './schema.ts';
export { replaceInitializers } from './write.ts';
