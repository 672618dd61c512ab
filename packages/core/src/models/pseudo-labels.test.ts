import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnlabelledImages } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';
import { initRuntime } from '../runtime/backend.ts';
import { labelWithModel } from './pseudo-labels.ts';

const SHAPE = [4, 4, 1] as const;

/** A linear classifier with seeded random weights: varied, deterministic answers on noise. */
function linearModel(numClasses: number): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [...SHAPE] }),
      tf.layers.dense({ units: numClasses, kernelInitializer: tf.initializers.randomNormal({ stddev: 1, seed: 5 }) }),
    ],
  });
  return model;
}

/** Sparse bright pixels: dense noise points every image the same way and gets one class. */
function noise(count: number, seed: number): UnlabelledImages {
  let s = seed;
  const images = Uint8Array.from({ length: count * 16 }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 24 > 200 ? 255 : 0;
  });
  return { labelled: false, images, height: 4, width: 4, channels: 1, flipAugment: false };
}

describe('labelWithModel', () => {
  const models: tf.LayersModel[] = [];
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });
  afterAll(() => {
    for (const m of models) m.dispose();
  });

  it("labels each image with the model's argmax, batch by batch, leaking nothing", async () => {
    const model = linearModel(3);
    models.push(model);
    const data = noise(50, 9);
    const expected = tf.tidy(() =>
      tf.argMax(
        model.predict(
          tf.tensor4d(
            Float32Array.from(data.images, (v) => v / 255),
            [50, ...SHAPE],
          ),
        ) as tf.Tensor,
        -1,
      ),
    );
    const argmax = Array.from(await expected.data());
    expected.dispose();
    const before = tf.memory().numTensors;
    // 50 images in batches of 8: six full batches and a remainder of 2
    const labelled = await labelWithModel(model, data, { batchSize: 8 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(labelled.labels)).toEqual(argmax);
    expect(new Set(argmax).size).toBeGreaterThan(1);
    expect(labelled.classNames).toEqual(['0', '1', '2']);
    expect(labelled.images).toBe(data.images);
    expect(labelled).toMatchObject({ height: 4, width: 4, channels: 1, flipAugment: false });
  });

  it('keeps given class names and refuses images the model does not take', async () => {
    const model = linearModel(2);
    models.push(model);
    const named = await labelWithModel(model, noise(5, 1), { classNames: ['cat', 'dog'] });
    expect(named.classNames).toEqual(['cat', 'dog']);
    const wrongShape: UnlabelledImages = { ...noise(2, 1), height: 2, width: 8 };
    await expect(labelWithModel(model, wrongShape)).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
    await expect(labelWithModel(model, noise(2, 1), { classNames: ['a', 'b', 'c'] })).rejects.toBeInstanceOf(AntidoteError);
  });
});
