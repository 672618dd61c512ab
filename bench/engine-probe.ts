/**
 * One measurement of `bench:engine`, run in its own process so each backend starts clean and its
 * peak RSS is its own. Prints one JSON line on stdout.
 * usage: tsx bench/engine-probe.ts <backend> <small-cnn|resnet20|matmul> [--stock] [--batch N] [--steps N] [--threads N]
 *        tsx bench/engine-probe.ts <backend> inference <architecture> [--images N]
 * `--threads N` trains data-parallel on N compute threads (@antidote/core/parallel). `inference`
 * runs the tfjs backend and ONNX Runtime on the same images (core's compareInferenceEngines).
 */

import type { ImageDataset } from '@antidote/core/datasets';
import { compareInferenceEngines } from '@antidote/core/metrics';
import { type Architecture, createModel, forwardFlops } from '@antidote/core/models';
import { ThreadPool } from '@antidote/core/parallel';
import { type BackendChoice, initRuntime } from '@antidote/core/runtime';
import { trainModel } from '@antidote/core/training';
import * as tf from '@tensorflow/tfjs';

const [backendArg, target, ...rest] = process.argv.slice(2);
const flag = (name: string) => rest.includes(name);
const option = (name: string, fallback: number) => {
  const i = rest.indexOf(name);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};

import { loadavg } from 'node:os';

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

function syntheticDataset(count: number, shape: readonly [number, number, number]): ImageDataset {
  const images = new Uint8Array(count * shape[0] * shape[1] * shape[2]);
  let s = 12345;
  for (let i = 0; i < images.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    images[i] = s >>> 24;
  }
  const labels = Int32Array.from({ length: count }, (_, i) => i % 10);
  return {
    images,
    labels,
    height: shape[0],
    width: shape[1],
    channels: shape[2],
    classNames: Array.from({ length: 10 }, (_, i) => `c${i}`),
    flipAugment: true,
  };
}

async function measureMatmul(): Promise<Record<string, number>> {
  // The cpu backend needs ~1 s per 1024^3 product; wasm ~0.1 s.
  const n = 1024;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  (tf.matMul(a, b) as tf.Tensor).dispose();
  let reps = 0;
  const started = performance.now();
  while (performance.now() - started < 3000 || reps < 2) {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    reps++;
  }
  const seconds = (performance.now() - started) / 1000;
  a.dispose();
  b.dispose();
  return { matmulGflops: (2 * n ** 3 * reps) / seconds / 1e9, matmulSize: n };
}

async function measureModel(architecture: Architecture): Promise<Record<string, unknown>> {
  const shape = architecture === 'small-cnn' ? ([28, 28, 1] as const) : ([32, 32, 3] as const);
  const isCpu = tf.getBackend() === 'cpu';
  const batchSize = option('--batch', isCpu ? 4 : architecture === 'small-cnn' ? 128 : 64);
  const timedSteps = option('--steps', isCpu ? 2 : 100);
  const threads = option('--threads', 0);
  const pool = threads > 0 ? await ThreadPool.start({ threads }) : null;
  const warmupSteps = isCpu ? 1 : 5;
  const model = createModel({ architecture, inputShape: shape, numClasses: 10, seed: 1 });
  const flopsPerImage = forwardFlops(model);

  // Inference: a fixed batch through predict(), for a time budget.
  const inferBatch = isCpu ? 16 : 256;
  const x = tf.randomUniform([inferBatch, ...shape]);
  (model.predict(x) as tf.Tensor).dispose();
  let inferred = 0;
  const started = performance.now();
  while (performance.now() - started < (isCpu ? 8000 : 4000) || inferred === 0) {
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
    inferred += inferBatch;
  }
  const inferImagesPerSec = inferred / ((performance.now() - started) / 1000);
  x.dispose();

  // Training through the product's own loop (augmentation included), timed after a warm-up.
  const data = syntheticDataset(Math.max(batchSize * 8, 512), shape);
  let timedFrom = 0;
  let tensorsAtStart = 0;
  let tensorsAtEnd = 0;
  let trainSeconds = 0;
  let error: string | null = null;
  try {
    await trainModel(model, data, {
      batchSize,
      steps: warmupSteps + timedSteps,
      optimizer: 'adam',
      learningRate: 1e-3,
      seed: 1,
      progressEvery: 1,
      ...(pool ? { pool } : {}),
      onProgress: (p) => {
        if (p.step === warmupSteps) {
          tensorsAtStart = tf.memory().numTensors;
          timedFrom = performance.now();
        }
        if (p.step === warmupSteps + timedSteps) {
          trainSeconds = (performance.now() - timedFrom) / 1000;
          tensorsAtEnd = tf.memory().numTensors;
        }
      },
    });
  } catch (e) {
    error = (e as Error).message.split('\n')[0] ?? String(e);
  }
  model.dispose();
  await pool?.close();
  const trainImagesPerSec = error ? null : (timedSteps * batchSize) / trainSeconds;
  return {
    model: architecture,
    threads: threads || null,
    batchSize,
    params: null,
    forwardMflopsPerImage: flopsPerImage / 1e6,
    trainImagesPerSec,
    inferImagesPerSec,
    // A training step costs ~3 forward passes: forward, input gradient, weight gradient.
    trainGflops: trainImagesPerSec === null ? null : (trainImagesPerSec * 3 * flopsPerImage) / 1e9,
    inferGflops: (inferImagesPerSec * flopsPerImage) / 1e9,
    timedSteps,
    tensorGrowthOver100Steps: error ? null : timedSteps >= 100 ? tensorsAtEnd - tensorsAtStart : null,
    tensorGrowth: error ? null : tensorsAtEnd - tensorsAtStart,
    ...(error ? { error } : {}),
  };
}

/** Inference only: the tfjs backend and ONNX Runtime (all cores) on the same seeded images. */
async function measureInference(architecture: Architecture): Promise<Record<string, unknown>> {
  const shape = architecture === 'small-cnn' || architecture === 'tiny-cnn' ? ([28, 28, 1] as const) : ([32, 32, 3] as const);
  const model = createModel({ architecture, inputShape: shape, numClasses: 10, seed: 1 });
  const images = option('--images', 1024);
  const compared = await compareInferenceEngines(model, { images, passes: 2, batchSize: 256 });
  const flopsPerImage = forwardFlops(model);
  model.dispose();
  return {
    model: architecture,
    inputShape: shape,
    images,
    forwardMflopsPerImage: flopsPerImage / 1e6,
    rates: compared.rates,
    auto: compared.auto,
  };
}

const runtime = await initRuntime({ backend: backendArg as BackendChoice, stockKernels: flag('--stock') });
const result =
  target === 'matmul'
    ? await measureMatmul()
    : target === 'inference'
      ? await measureInference(rest[0] as Architecture)
      : await measureModel(target as Architecture);
process.stdout.write(
  `${JSON.stringify({
    backend: runtime.tfjsBackend === 'tensorflow' ? runtime.backend : runtime.tfjsBackend,
    variant: flag('--stock') ? 'stock' : runtime.patchedKernels.length ? 'antidote-kernels' : 'stock',
    simd: runtime.simd,
    ...result,
    peakRssMb: peakRssMb(),
    // Other processes share the cores: the 1-minute load average when the measurement ended.
    loadAverage: Number((loadavg()[0] ?? 0).toFixed(2)),
  })}\n`,
);
