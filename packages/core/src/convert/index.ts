export { type ExportedOnnx, type ExportRepairedOptions, exportRepaired } from './export-repaired.ts';
export { type ExportTfjsOptions, exportTfjsToOnnx } from './export-tfjs.ts';
export {
  assertFaithfulImport,
  checkFidelity,
  type FidelityOptions,
  type FidelityOverride,
  type FidelityReport,
  fidelityInputs,
  loadOnnxRuntime,
  MIN_TOP1_AGREEMENT,
} from './fidelity.ts';
export {
  type ImportedKerasModel,
  type ImportedModel,
  type ImportedOnnxModel,
  type ImportModelOptions,
  importModel,
  looksLikeOnnx,
} from './import-model.ts';
export {
  type ConvertedKeras,
  convertKeras,
  type KerasBinding,
  kerasInputShape,
  SUPPORTED_KERAS_LAYERS,
} from './keras-to-tfjs.ts';
export {
  type BinaryOp,
  type ElementwiseOp,
  InputNormalization,
  type InputNormalizationConfig,
  OnnxBinary,
  OnnxConstantBinary,
  type OnnxConstantBinaryConfig,
  OnnxElementwise,
  type OnnxElementwiseConfig,
  OnnxGroupedConv2D,
  type OnnxGroupedConv2DConfig,
  OnnxPad2D,
  type OnnxPad2DConfig,
  OnnxPool2D,
  type OnnxPool2DConfig,
} from './layers.ts';
export {
  assertSupportedOps,
  type ConvertedOnnx,
  type ConvertOptions,
  convertOnnx,
  guessInputLayout,
  type InputLayout,
  SUPPORTED_ONNX_OPS,
  type WeightBinding,
} from './onnx-to-tfjs.ts';
export {
  groupedConvOnnx,
  mobilenetLikeOnnx,
  plainCnnOnnx,
  resnet18Onnx,
  resnetLikeOnnx,
  type TestModelOptions,
} from './test-models.ts';
