import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../datasets/image-dataset.ts';
import { initRuntime } from '../runtime/backend.ts';
import { blendNoise, noisePatchSeed, noiseSensitivity, stampNoisePatches } from './noise-patches.ts';

beforeAll(async () => {
  await initRuntime({ backend: 'wasm' });
});

describe('stampNoisePatches', () => {
  it('stamps square patches on the requested share of rows and leaves every other pixel alone', () => {
    const before = tf.memory().numTensors;
    const grey = tf.fill([8, 28, 28, 1], 0.25) as tf.Tensor4D;
    const stamped = tf.tidy(() => stampNoisePatches(grey, 0.5, 42));
    const pixels = stamped.dataSync();
    const changedPerRow = Array.from({ length: 8 }, (_, row) => {
      let changed = 0;
      for (let j = 0; j < 28 * 28; j++) {
        const v = pixels[row * 28 * 28 + j]!;
        if (v !== 0.25) {
          changed++;
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
      }
      return changed;
    });
    // Rows 0-3 carry 1-4 patches of side 2-5 (at most 4 x 25 pixels); rows 4-7 are untouched.
    for (const changed of changedPerRow.slice(0, 4)) {
      expect(changed).toBeGreaterThan(0);
      expect(changed).toBeLessThanOrEqual(4 * 25);
    }
    expect(changedPerRow.slice(4)).toEqual([0, 0, 0, 0]);
    grey.dispose();
    stamped.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('repeats the same patches for the same seed and step, so a resumed run sees the same batch', () => {
    const images = tf.zeros([4, 12, 12, 3]) as tf.Tensor4D;
    const a = tf.tidy(() => stampNoisePatches(images, 1, noisePatchSeed(7, 30)).dataSync());
    const b = tf.tidy(() => stampNoisePatches(images, 1, noisePatchSeed(7, 30)).dataSync());
    const c = tf.tidy(() => stampNoisePatches(images, 1, noisePatchSeed(7, 31)).dataSync());
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    images.dispose();
  });
});

describe('blendNoise', () => {
  it('blends the last share of rows with noise at opacity 0.1-0.3 and leaves the other rows alone', () => {
    const before = tf.memory().numTensors;
    const grey = tf.fill([8, 28, 28, 1], 0.5) as tf.Tensor4D;
    const blended = tf.tidy(() => blendNoise(grey, 0.25, 42));
    const pixels = blended.dataSync();
    for (let row = 0; row < 8; row++) {
      const values = Array.from(pixels.slice(row * 28 * 28, (row + 1) * 28 * 28));
      if (row < 6) {
        expect(values.every((v) => v === 0.5)).toBe(true);
        continue;
      }
      // 0.5 blended towards noise in [0, 1] at opacity a moves each pixel by at most a / 2.
      const moved = values.map((v) => Math.abs(v - 0.5));
      expect(Math.max(...moved)).toBeLessThanOrEqual(0.15 + 1e-6);
      expect(moved.filter((m) => m > 1e-6).length).toBeGreaterThan(28 * 28 * 0.9);
    }
    grey.dispose();
    blended.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaves the rows that carry noise patches alone when the two shares add up to at most 1', () => {
    const zeros = tf.zeros([4, 12, 12, 1]) as tf.Tensor4D;
    const both = tf.tidy(() => blendNoise(stampNoisePatches(zeros, 0.5, 3), 0.5, 3).dataSync());
    const patchesOnly = tf.tidy(() => stampNoisePatches(zeros, 0.5, 3).dataSync());
    expect(Array.from(both.slice(0, 2 * 144))).toEqual(Array.from(patchesOnly.slice(0, 2 * 144)));
    expect(Array.from(both.slice(2 * 144)).some((v) => v > 0)).toBe(true);
    zeros.dispose();
  });
});

describe('noiseSensitivity', () => {
  /** Class 0 when the image's total brightness passes `weight` x sum > 1, else class 1. */
  function brightnessModel(weight: number): tf.LayersModel {
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [12, 12, 1] }), tf.layers.dense({ units: 2, activation: 'softmax' })],
    });
    const kernel = tf.concat([tf.fill([144, 1], weight), tf.zeros([144, 1])], 1);
    const bias = tf.tensor1d([0, 1]);
    model.setWeights([kernel, bias]);
    kernel.dispose();
    bias.dispose();
    return model;
  }

  it('measures the share of images faint noise turns into one class', () => {
    // Dark images are class 1; blended at 0.2 with black-and-white noise they gain ~14 in total
    // brightness, which this model reads as class 0: every image moves, all to class 0.
    const steered = brightnessModel(0.2);
    const indifferent = brightnessModel(0);
    // 300 images: more than one slice of the probe.
    const dark: ImageDataset = {
      images: new Uint8Array(300 * 144),
      labels: new Int32Array(300).fill(1),
      height: 12,
      width: 12,
      channels: 1,
      classNames: ['bright', 'dark'],
      flipAugment: true,
    };
    const before = tf.memory().numTensors;
    expect(noiseSensitivity(steered, dark, 1)).toEqual({ share: 1, toClass: 0 });
    expect(noiseSensitivity(indifferent, dark, 1)).toEqual({ share: 0, toClass: 0 });
    expect(tf.memory().numTensors).toBe(before);
    steered.dispose();
    indifferent.dispose();
  });
});
