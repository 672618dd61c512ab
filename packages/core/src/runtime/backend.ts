/**
 * Picks the fastest TensorFlow.js backend this process can load: native GPU > native CPU >
 * wasm (with our training kernels) > pure-JS cpu. The native bindings are optional dependencies
 * whose install downloads libtensorflow, so they are often absent; that is normal, not an error.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { AntidoteError } from '../errors.ts';
import { installWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-kernels.ts';

export const BACKEND_PREFERENCE = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
/** `tensorflow-gpu` and `tensorflow` are tfjs-node(-gpu); tfjs names both backends `tensorflow`. */
export type BackendChoice = (typeof BACKEND_PREFERENCE)[number];

export interface RuntimeOptions {
  /** Use exactly this backend (fail if it cannot load) instead of the best available. */
  backend?: BackendChoice;
  /** Turn off wasm SIMD (for measurements; SIMD is ~3x faster). */
  disableSimd?: boolean;
  /** Leave stock tfjs kernels alone (benchmarks compare against them; wasm then cannot train convs). */
  stockKernels?: boolean;
}

export interface SkippedBackend {
  backend: BackendChoice;
  reason: string;
}

export interface RuntimeDescription {
  /** The Antidote name of the backend in use. */
  backend: BackendChoice;
  /** tfjs's own name for it (`tensorflow`, `wasm`, `cpu`). */
  tfjsBackend: string;
  tfjsVersion: string;
  nativePackage: string | null;
  simd: boolean | null;
  threads: boolean | null;
  /** Kernels Antidote registered on top of the stock backend. */
  patchedKernels: readonly string[];
  skipped: SkippedBackend[];
}

const NATIVE_PACKAGES: Record<'tensorflow-gpu' | 'tensorflow', string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

let current: RuntimeDescription | null = null;
let pending: Promise<RuntimeDescription> | null = null;

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

async function tryNative(choice: 'tensorflow-gpu' | 'tensorflow'): Promise<void> {
  // A computed specifier keeps bundlers and tsc from resolving a package that may be absent.
  const specifier: string = NATIVE_PACKAGES[choice];
  await import(specifier);
  if (!(await tf.setBackend('tensorflow'))) throw new Error('tfjs-node loaded but its backend did not initialise');
  if (choice === 'tensorflow-gpu' && !(await nativeSeesGpu())) {
    throw new Error('tfjs-node-gpu loaded but TensorFlow found no GPU device');
  }
}

async function nativeSeesGpu(): Promise<boolean> {
  // tfjs-node-gpu silently runs on the CPU when CUDA is missing; its backend reports devices.
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  return backend.isUsingGpuDevice !== false;
}

async function tryWasm(options: RuntimeOptions): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  const distDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  // The node build reads the .wasm files through fs; the trailing separator is required.
  wasm.setWasmPaths(distDir + path.sep);
  if (options.disableSimd) tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
  if (!options.stockKernels) installWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
}

async function initialise(options: RuntimeOptions): Promise<RuntimeDescription> {
  const skipped: SkippedBackend[] = [];
  const candidates = options.backend ? [options.backend] : BACKEND_PREFERENCE;
  for (const choice of candidates) {
    try {
      if (choice === 'tensorflow-gpu' || choice === 'tensorflow') await tryNative(choice);
      else if (choice === 'wasm') await tryWasm(options);
      else if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialise');
      await tf.ready();
      return describe(choice, skipped, options);
    } catch (error) {
      skipped.push({ backend: choice, reason: firstLine(error) });
    }
  }
  throw new AntidoteError(
    'BACKEND_UNAVAILABLE',
    `No TensorFlow.js backend could be loaded: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`,
    { details: { skipped } },
  );
}

async function describe(choice: BackendChoice, skipped: SkippedBackend[], options: RuntimeOptions): Promise<RuntimeDescription> {
  const isWasm = choice === 'wasm';
  return {
    backend: choice,
    tfjsBackend: tf.getBackend(),
    tfjsVersion: tf.version_core,
    nativePackage: choice === 'tensorflow-gpu' || choice === 'tensorflow' ? NATIVE_PACKAGES[choice] : null,
    simd: isWasm ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : null,
    threads: isWasm ? Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) : null,
    patchedKernels: isWasm && !options.stockKernels ? WASM_TRAINING_KERNELS : [],
    skipped,
  };
}

/**
 * Loads the best backend once per process (later calls return the same description).
 * Pass `backend` to force one; forcing a different backend after start switches to it.
 */
export async function initRuntime(options: RuntimeOptions = {}): Promise<RuntimeDescription> {
  if (current && (!options.backend || options.backend === current.backend)) return current;
  if (pending && !options.backend) return pending;
  pending = initialise(options);
  try {
    current = await pending;
    return current;
  } finally {
    pending = null;
  }
}

/** The runtime in use, or null before `initRuntime`. */
export function describeRuntime(): RuntimeDescription | null {
  return current;
}

export { tf };
