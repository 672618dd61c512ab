export * from './backend.ts';
export { installWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-kernels.ts';
