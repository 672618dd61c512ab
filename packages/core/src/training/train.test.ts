import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../datasets/image-dataset.ts';
import { isAntidoteError } from '../errors.ts';
import { createModel } from '../models/zoo.ts';
import { createRng } from '../random.ts';
import { initRuntime } from '../runtime/backend.ts';
import { batchPixels } from './batches.ts';
import { type TrainingCheckpoint, type TrainOptions, trainModel } from './train.ts';

/** Two easily separable classes (bright top half vs bright bottom half) with pixel noise. */
function toyDataset(count: number, seed: number): ImageDataset {
  const rng = createRng(seed);
  const side = 12;
  const images = new Uint8Array(count * side * side);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 2;
    labels[i] = label;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const bright = label === 0 ? y < side / 2 : y >= side / 2;
        images[i * side * side + y * side + x] = (bright ? 160 : 40) + rng.int(60);
      }
    }
  }
  return { images, labels, height: side, width: side, channels: 1, classNames: ['top', 'bottom'], flipAugment: true };
}

const baseOptions: TrainOptions = { batchSize: 16, steps: 12, optimizer: 'adam', learningRate: 1e-2, seed: 3 };

function newModel(seed = 1) {
  return createModel({ architecture: 'small-cnn', inputShape: [12, 12, 1], numClasses: 2, seed });
}

async function weightsOf(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => Float32Array.from(await w.data())));
}

describe('trainModel', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });

  it('learns a separable toy task and leaves no tensors behind', async () => {
    const data = toyDataset(128, 1);
    const model = newModel();
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const result = await trainModel(model, data, {
      ...baseOptions,
      steps: 40,
      progressEvery: 10,
      onProgress: (p) => {
        progress.push(p.step);
        expect(p.totalSteps).toBe(40);
        expect(p.etaSeconds).toBeGreaterThanOrEqual(0);
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(progress).toEqual([10, 20, 30, 40]);
    expect(result.finalLoss).toBeLessThan(0.3);
    model.dispose();
  });

  it('is reproducible: same seed, same weights', async () => {
    const data = toyDataset(64, 2);
    const a = newModel();
    const b = newModel();
    await trainModel(a, data, baseOptions);
    await trainModel(b, data, baseOptions);
    const [wa, wb] = [await weightsOf(a), await weightsOf(b)];
    expect(wa.map((w) => Array.from(w))).toEqual(wb.map((w) => Array.from(w)));
    a.dispose();
    b.dispose();
  });

  it('stops within one step when cancelled', async () => {
    const data = toyDataset(64, 3);
    const model = newModel();
    const controller = new AbortController();
    let lastStep = 0;
    const run = trainModel(model, data, {
      ...baseOptions,
      steps: 1000,
      progressEvery: 1,
      signal: controller.signal,
      onProgress: (p) => {
        lastStep = p.step;
        if (p.step === 5) controller.abort();
      },
    });
    await expect(run).rejects.toSatisfy((e) => isAntidoteError(e, 'CANCELLED'));
    expect(lastStep).toBe(5);
    model.dispose();
  });

  it('resumes from a checkpoint to exactly the weights of an uninterrupted run', async () => {
    const data = toyDataset(64, 4);
    const options = { ...baseOptions, steps: 10, optimizer: 'sgd' as const, learningRate: 0.05, momentum: 0.9 };
    const straight = newModel();
    await trainModel(straight, data, options);

    const interrupted = newModel();
    const checkpoints: TrainingCheckpoint[] = [];
    await trainModel(interrupted, data, {
      ...options,
      steps: 10,
      checkpointEvery: 6,
      onCheckpoint: (c) => void checkpoints.push(c),
    });
    const checkpoint = checkpoints[0];
    expect(checkpoint?.step).toBe(6);

    // A fresh process would only have the checkpoint: start from an unrelated model.
    const resumed = newModel(99);
    const before = tf.memory().numTensors;
    const result = await trainModel(resumed, data, { ...options, resumeFrom: checkpoint! });
    expect(result.steps).toBe(4);
    expect(tf.memory().numTensors).toBe(before);
    const [ws, wr] = [await weightsOf(straight), await weightsOf(resumed)];
    ws.forEach((w, i) => {
      const r = wr[i]!;
      for (let j = 0; j < w.length; j++) expect(Math.abs(w[j]! - r[j]!)).toBeLessThan(1e-5);
    });
    for (const m of [straight, interrupted, resumed]) m.dispose();
  });

  it('rejects impossible options with typed errors', async () => {
    const model = newModel();
    const empty = { ...toyDataset(2, 5), images: new Uint8Array(0), labels: new Int32Array(0) };
    await expect(trainModel(model, empty, baseOptions)).rejects.toSatisfy((e) => isAntidoteError(e, 'INVALID_INPUT'));
    await expect(trainModel(model, toyDataset(8, 5), { ...baseOptions, learningRate: 0 })).rejects.toSatisfy((e) =>
      isAntidoteError(e, 'INVALID_INPUT'),
    );
    model.dispose();
  });
});

describe('batchPixels augmentation', () => {
  const data: ImageDataset = {
    images: Uint8Array.from({ length: 16 }, (_, i) => i * 10),
    labels: new Int32Array([0]),
    height: 4,
    width: 4,
    channels: 1,
    classNames: ['a', 'b'],
    flipAugment: true,
  };

  it('scales to [0, 1] without augmentation', () => {
    const out = batchPixels(data, [0], { cropPadding: 0, horizontalFlip: false });
    expect(out[5]).toBeCloseTo(50 / 255);
  });

  it('only shifts and flips: every output pixel is zero or an input pixel', () => {
    const rng = createRng(1);
    const inputs = new Set(Array.from(data.images, (v) => Math.round(v)));
    for (let trial = 0; trial < 20; trial++) {
      const out = batchPixels(data, [0], { cropPadding: 1, horizontalFlip: true }, rng);
      for (const v of out) expect(v === 0 || inputs.has(Math.round(v * 255))).toBe(true);
    }
  });

  it('never flips a dataset that forbids it', () => {
    const digits = { ...data, flipAugment: false };
    const rng = createRng(2);
    const plain = batchPixels(digits, [0], { cropPadding: 0, horizontalFlip: false });
    for (let trial = 0; trial < 10; trial++) {
      expect(Array.from(batchPixels(digits, [0], { cropPadding: 0, horizontalFlip: true }, rng))).toEqual(Array.from(plain));
    }
  });
});
