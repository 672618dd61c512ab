export {
  describeModelArchive,
  describeModelFiles,
  type ModelArchiveDescription,
  packModelArchive,
  unpackModelArchive,
} from '../formats/model-archive.ts';
export { MAX_MODEL_BYTES, MODEL_JSON, type ModelFiles } from '../formats/model-files.ts';
export {
  estimateJob,
  type JobEstimate,
  type JobWork,
  largestFittingBatch,
  type ModelCost,
  measureTrainThroughput,
  modelCost,
  RUNTIME_BASE_BYTES,
  WASM_HEAP_BYTES,
} from './estimate.ts';
export { outputsProbabilities, outputToLogits, predictBatch, type SplitModel, splitAtPenultimate } from './features.ts';
export {
  assertModelFitsDataset,
  cloneModel,
  loadModelFromFiles,
  type ModelSignature,
  modelSignature,
  saveModelToFiles,
} from './model-io.ts';
export { type LabelWithModelOptions, labelWithModel } from './pseudo-labels.ts';
export { ARCHITECTURES, type Architecture, createModel, forwardFlops, type ModelSpec } from './zoo.ts';
