import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime } from '../runtime/backend.ts';
import {
  estimateJob,
  largestFittingBatch,
  measureTrainThroughput,
  modelCost,
  RUNTIME_BASE_BYTES,
  threadSpeedup,
} from './estimate.ts';

function convBn(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization().apply(conv) as tf.SymbolicTensor;
  const depthwise = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same' }).apply(bn) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(depthwise) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 5 }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

describe('job estimates', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });

  it('counts FLOPs, activations and weights from the layer shapes', () => {
    const model = convBn();
    const cost = modelCost(model);
    // conv 8x8 outputs x 3x3x3 x 4, depthwise 4x4 outputs x 3x3 x 4, dense 64 x 5; two FLOPs a MAC.
    expect(cost.forwardFlops).toBe(2 * (8 * 8 * 27 * 4 + 4 * 4 * 9 * 4 + 64 * 5));
    // input, conv, bn, depthwise, flatten, dense outputs
    expect(cost.activationFloats).toBe(192 + 256 + 256 + 64 + 64 + 5);
    expect(cost.paramFloats).toBe(model.countParams());
    model.dispose();
  });

  it('times a training step without moving any weight or batch-norm statistic', async () => {
    const model = convBn();
    const before = await Promise.all(model.getWeights().map((w) => w.data()));
    const tensors = tf.memory().numTensors;
    const flopsPerSecond = measureTrainThroughput(model, 4);
    expect(flopsPerSecond).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(tensors);
    const after = await Promise.all(model.getWeights().map((w) => w.data()));
    expect(after).toEqual(before);
    model.dispose();
  });

  it('turns image passes into seconds and peak bytes', () => {
    const cost = { forwardFlops: 1e9, activationFloats: 1e6, paramFloats: 1e6 };
    const estimate = estimateJob(cost, { trainPasses: 100, inferPasses: 50, peakBatch: 8, models: 3 }, 1e10);
    expect(estimate.flops).toBe(1e9 * (300 + 50));
    expect(estimate.seconds).toBeCloseTo(35, 10);
    expect(estimate.peakBytes).toBe(RUNTIME_BASE_BYTES + 4 * 1e6 * 3 * 4 + 4 * 1e6 * 8 * 2 * 2);
  });

  it('shares the time among compute threads and adds a runtime and replicas per thread to the memory', () => {
    const cost = { forwardFlops: 1e9, activationFloats: 1e6, paramFloats: 1e6 };
    const work = { trainPasses: 100, inferPasses: 50, peakBatch: 8, models: 3 };
    const one = estimateJob(cost, work, 1e10);
    const two = estimateJob(cost, { ...work, threads: 2 }, 1e10);
    expect(threadSpeedup(1)).toBe(1);
    expect(threadSpeedup(2)).toBeGreaterThan(1);
    expect(threadSpeedup(2)).toBeLessThan(2);
    expect(two.seconds).toBeCloseTo(one.seconds / threadSpeedup(2), 10);
    expect(two.peakBytes).toBe(one.peakBytes + 2 * (RUNTIME_BASE_BYTES + 4 * 1e6 * 3 * 4));
    expect(estimateJob(cost, { ...work, threads: 1 }, 1e10)).toEqual(one);
  });

  it('shrinks the batch to the largest that fits a memory limit, and says when none does', () => {
    const cost = { forwardFlops: 1e9, activationFloats: 1e6, paramFloats: 1e6 };
    const work = { trainPasses: 100, inferPasses: 50, peakBatch: 256, models: 3 };
    const peakAt = (peakBatch: number) => estimateJob(cost, { ...work, peakBatch }, 1).peakBytes;
    expect(largestFittingBatch(cost, work, peakAt(256) + 1)).toBe(256);
    const limit = peakAt(100) + 10;
    const fitted = largestFittingBatch(cost, work, limit);
    expect(fitted).toBe(100);
    expect(peakAt(fitted + 1)).toBeGreaterThan(limit);
    expect(largestFittingBatch(cost, work, peakAt(1) - 1)).toBe(0);
  });
});
