export { type ExportedOnnx, type ExportRepairedOptions, exportRepaired } from './export-repaired.ts';
export { type ExportTfjsOptions, exportTfjsToOnnx } from './export-tfjs.ts';
export {
  checkFidelity,
  type FidelityOptions,
  type FidelityReport,
  fidelityInputs,
  loadOnnxRuntime,
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
export * from './layers.ts';
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
