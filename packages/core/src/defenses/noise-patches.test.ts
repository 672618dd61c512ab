import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime } from '../runtime/backend.ts';
import { noisePatchSeed, stampNoisePatches } from './noise-patches.ts';

describe('stampNoisePatches', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });

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
