/**
 * What a scan or repair will cost before it runs: time from the model's FLOPs, the images it will
 * push through and the throughput measured on this worker with this very model; peak memory from
 * the weights and the activations a training step keeps for its backward pass.
 */
import * as tf from '@tensorflow/tfjs';
import { forwardFlops } from './zoo.ts';

/** What one image costs in this model. */
export interface ModelCost {
  /** Multiply-adds x 2 of one forward pass (conv, depthwise conv and dense layers). */
  forwardFlops: number;
  /** Floats of every layer's output for one image: what a backward pass keeps. */
  activationFloats: number;
  /** Floats of all weights. */
  paramFloats: number;
}

export function modelCost(model: tf.LayersModel): ModelCost {
  let activationFloats = 0;
  let depthwise = 0;
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]) as (number | null)[][];
    for (const shape of shapes) activationFloats += shape.slice(1).reduce<number>((n, d) => n * (d ?? 1), 1);
    if (layer.getClassName() === 'DepthwiseConv2D') {
      const kernel = layer.getWeights()[0];
      const out = layer.outputShape as (number | null)[];
      if (kernel) {
        const [kh, kw, ci, multiplier] = kernel.shape as [number, number, number, number];
        depthwise += 2 * (out[1] ?? 0) * (out[2] ?? 0) * kh * kw * ci * multiplier;
      }
    }
  }
  return { forwardFlops: forwardFlops(model) + depthwise, activationFloats, paramFloats: model.countParams() };
}

/**
 * FLOP/s of a training step (forward, input and weight gradients: three forward passes' worth)
 * of this model on this backend, timed after a warm-up step: small layers run far below a
 * backend's peak, so a generic figure would misjudge them. Inference mode: a training-mode call
 * would move batch-norm statistics of the very model the job is about to scan.
 */
export function measureTrainThroughput(model: tf.LayersModel, batch: number, repeats = 2): number {
  const cost = modelCost(model);
  const shape = [batch, ...((model.inputs[0]?.shape ?? []).slice(1) as number[])];
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = () =>
    tf.tidy(() => {
      const x = tf.randomUniform(shape);
      const { grads, value } = tf.variableGrads(
        () => tf.mean(tf.square(model.apply(x, { training: false }) as tf.Tensor)) as tf.Scalar,
        variables,
      );
      value.dataSync();
      for (const g of Object.values(grads)) g.dataSync();
    });
  step();
  const started = performance.now();
  for (let i = 0; i < repeats; i++) step();
  const seconds = Math.max(1e-6, (performance.now() - started) / 1000 / repeats);
  return (3 * cost.forwardFlops * batch) / seconds;
}

/** The images a job pushes through the model(s), counted in forward-pass equivalents. */
export interface JobWork {
  /** Image passes that train (forward + backward): each costs three forward passes. */
  trainPasses: number;
  /** Image passes that only predict. */
  inferPasses: number;
  /** Largest batch one step runs through a model with its backward pass. */
  peakBatch: number;
  /** Models held at once (suspect, reference, teacher ...). */
  models: number;
  /**
   * Compute threads the job spreads its training and inversion over (1 when absent): each runs
   * its own runtime with replicas of the models, and they share the work's time.
   */
  threads?: number;
}

export interface JobEstimate {
  seconds: number;
  peakBytes: number;
  flops: number;
  /** Training FLOP/s the time is based on. */
  flopsPerSecond: number;
}

/**
 * Share of an extra compute thread's core a job gains, measured end to end on the demo's scan +
 * repair and on data-parallel training steps (docs/benchmarks.md#engine-npm-run-benchengine).
 */
export const THREAD_EFFICIENCY = 0.5;

/** How many times faster `threads` compute threads run a job than one. */
export function threadSpeedup(threads: number): number {
  return 1 + Math.max(0, threads - 1) * THREAD_EFFICIENCY;
}

/** Memory of the process and the runtime before any model (wasm heap, code, thread). */
export const RUNTIME_BASE_BYTES = 256 * 2 ** 20;

export function estimateJob(cost: ModelCost, work: JobWork, flopsPerSecond: number): JobEstimate {
  const flops = cost.forwardFlops * (3 * work.trainPasses + work.inferPasses);
  // Weights, their gradients and two Adam slots per model trained; forward activations kept for
  // the backward pass plus their gradients, for two models at once (suspect and reference).
  const weights = 4 * cost.paramFloats * work.models * 4;
  const activations = 4 * cost.activationFloats * work.peakBatch * 2 * Math.min(2, work.models);
  const threads = Math.max(1, Math.floor(work.threads ?? 1));
  // Compute threads each hold a runtime and the models' replicas; their shares of a batch keep no
  // more activations in all than the batch on one thread, counted above.
  const threadBytes = threads > 1 ? threads * (RUNTIME_BASE_BYTES + weights) : 0;
  return {
    seconds: flops / Math.max(1, flopsPerSecond * threadSpeedup(threads)),
    peakBytes: RUNTIME_BASE_BYTES + weights + activations + threadBytes,
    flops,
    flopsPerSecond,
  };
}

/** The wasm backend's heap is 32-bit: 4 GiB less one 64 KiB page (emscripten's `getHeapMax`). */
export const WASM_HEAP_BYTES = 4294901760;

/**
 * The largest peak batch, at most `work.peakBatch`, whose estimated peak memory stays within
 * `limitBytes`; 0 when a single image does not fit (the weights alone are too large). A job that
 * outgrows the wasm heap aborts the whole process, so the batch shrinks before the work starts.
 */
export function largestFittingBatch(cost: ModelCost, work: JobWork, limitBytes: number): number {
  const fixed = estimateJob(cost, { ...work, peakBatch: 0 }, 1).peakBytes;
  const perImage = estimateJob(cost, { ...work, peakBatch: 1 }, 1).peakBytes - fixed;
  if (fixed + perImage > limitBytes) return 0;
  return Math.min(work.peakBatch, Math.floor((limitBytes - fixed) / Math.max(1, perImage)));
}
