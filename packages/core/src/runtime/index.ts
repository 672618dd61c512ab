export {
  BACKEND_PREFERENCE,
  type BackendChoice,
  describeRuntime,
  initRuntime,
  type RuntimeDescription,
  type RuntimeOptions,
  type SkippedBackend,
  tf,
} from './backend.ts';
export { installWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-kernels.ts';
