import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../datasets/image-dataset.ts';
import { ThreadPool } from '../parallel/pool.ts';
import { createRng } from '../random.ts';
import { initRuntime } from '../runtime/backend.ts';
import { batchPixels, NO_AUGMENT } from './batches.ts';
import { DataParallelTrainer } from './data-parallel.ts';
import { CROSS_ENTROPY_REPLICA_LOSS, type TrainOptions, trainableVariables, trainModel } from './train.ts';

// Thread start-up compiles core with tsx and loads tfjs: minutes on a loaded machine.
const SLOW = 600_000;

/** Two classes (bright top half vs bright bottom half) with pixel noise. */
function toyDataset(count: number, seed: number): ImageDataset {
  const rng = createRng(seed);
  const side = 12;
  const images = new Uint8Array(count * side * side);
  const labels = Int32Array.from({ length: count }, (_, i) => i % 2);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < side * side; p++) {
      const bright = labels[i] === 0 ? p < (side * side) / 2 : p >= (side * side) / 2;
      images[i * side * side + p] = (bright ? 150 : 50) + rng.int(60);
    }
  }
  return { images, labels, height: side, width: side, channels: 1, classNames: ['top', 'bottom'], flipAugment: true };
}

/** A conv net with BatchNorm, so moving statistics cross the threads too. */
function bnModel(seed: number): tf.LayersModel {
  const model = tf.sequential();
  model.add(
    tf.layers.conv2d({
      inputShape: [12, 12, 1],
      filters: 8,
      kernelSize: 3,
      useBias: false,
      kernelInitializer: tf.initializers.glorotNormal({ seed }),
    }),
  );
  model.add(tf.layers.batchNormalization({ momentum: 0.9 }));
  model.add(tf.layers.activation({ activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) }));
  return model;
}

const weightsOf = (model: tf.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));
const maxDifference = (a: number[][], b: number[][]) =>
  Math.max(...a.flatMap((w, i) => w.map((v, j) => Math.abs(v - (b[i]?.[j] ?? Number.NaN)))));

describe('data-parallel training', { timeout: SLOW }, () => {
  const data = toyDataset(96, 1);
  const options: TrainOptions = { batchSize: 32, steps: 15, optimizer: 'adam', learningRate: 1e-2, seed: 3, progressEvery: 5 };
  let one: ThreadPool;
  let two: ThreadPool;
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
    one = await ThreadPool.start({ threads: 1, backend: 'wasm' });
    two = await ThreadPool.start({ threads: 2, backend: 'wasm' });
  }, SLOW);
  afterAll(async () => {
    await one?.close();
    await two?.close();
  });

  async function train(pool: ThreadPool | undefined) {
    const model = bnModel(5);
    const losses: number[] = [];
    await trainModel(model, data, { ...options, ...(pool ? { pool } : {}), onProgress: (p) => void losses.push(p.loss) });
    const weights = weightsOf(model);
    model.dispose();
    return { weights, losses };
  }

  it('one thread trains as this thread does; two agree within float noise, and repeat exactly', async () => {
    const tensors = tf.memory().numTensors;
    const serial = await train(undefined);
    const single = await train(one);
    const double = await train(two);
    const again = await train(two);
    expect(tf.memory().numTensors).toBe(tensors);
    // One thread computes the same full-batch gradient; only the BatchNorm statistics cross as
    // differences added back, which can round in the last bit.
    expect(maxDifference(single.weights, serial.weights)).toBeLessThan(1e-5);
    // Two threads normalise each half with its own batch statistics and sum the halves' gradients
    // in another order: close to, not equal to, the serial run.
    expect(maxDifference(double.weights, serial.weights)).toBeLessThan(0.05);
    expect(double.weights).not.toEqual(serial.weights);
    for (const [i, loss] of double.losses.entries()) expect(Math.abs(loss - (serial.losses[i] ?? 0))).toBeLessThan(0.1);
    expect(double.losses.at(-1)).toBeLessThan(0.3);
    // A fixed thread count and seed give the same run.
    expect(again.weights).toEqual(double.weights);
  });

  it('leaks no tensor on any thread over 100 steps', async () => {
    const model = bnModel(7);
    const variables = trainableVariables(model);
    const trainer = await DataParallelTrainer.start(two, model, {
      variables,
      probabilities: false,
      maxBatch: 8,
      loss: CROSS_ENTROPY_REPLICA_LOSS,
    });
    const optimizer = tf.train.sgd(0.01);
    const rng = createRng(1);
    const counts: number[][] = [];
    const tensors = tf.memory().numTensors;
    for (let step = 0; step < 100; step++) {
      const indices = Int32Array.from({ length: 8 }, () => rng.int(96));
      const labels = Int32Array.from(indices, (i) => data.labels[i] ?? 0);
      const { grads, threadTensors } = await trainer.step(batchPixels(data, indices, NO_AUGMENT), labels, step);
      optimizer.applyGradients(grads);
      tf.dispose(grads);
      counts.push(threadTensors);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(counts[99]).toEqual(counts[0]);
    expect(counts[0]).toHaveLength(2);
    await trainer.dispose();
    optimizer.dispose();
    model.dispose();
  });
});
