import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createBpp, quantise, quantiseValue } from './bpp.ts';
import { triggeredTestSet } from './create-attack.ts';
import { changedImages, fixtureDataset, geometryOfDataset, imageOf } from './test-fixtures.ts';

const NOISE = fixtureDataset(60, { height: 28, width: 28, channels: 1 }, 3, 5);
const RGB = fixtureDataset(60, { height: 16, width: 16, channels: 3 }, 3, 6);

describe('bpp', () => {
  it('leaves only the quantisation levels, with or without dithering', () => {
    for (const levels of [2, 4, 8, 32]) {
      const allowed = new Set(Array.from({ length: levels }, (_, i) => Math.round((i * 255) / (levels - 1))));
      for (const dithering of [false, true]) {
        const attack = createBpp({ poisonCount: 1, targetClass: 0, seed: 1, levels, dithering });
        for (const data of [NOISE, RGB]) {
          const out = attack.applyTrigger(imageOf(data, 3), geometryOfDataset(data));
          const seen = new Set(out);
          for (const v of seen) expect(allowed.has(v), `${v} at ${levels} levels`).toBe(true);
          // Uniform noise uses every level.
          expect(seen.size).toBe(levels);
        }
      }
    }
  });

  it('rounds to the nearest level without dithering; dithering keeps the local mean', () => {
    expect([0, 18, 19, 127, 128, 255].map((v) => quantiseValue(v, 8))).toEqual([0, 0, 36, 109, 146, 255]);
    const g = { height: 16, width: 16, channels: 1 };
    const grey = new Uint8Array(256).fill(100);
    expect(new Set(quantise(grey.slice(), g, 4, false))).toEqual(new Set([85]));
    const dithered = quantise(grey.slice(), g, 4, true);
    expect(new Set(dithered)).toEqual(new Set([85, 170]));
    const mean = dithered.reduce((a, b) => a + b, 0) / dithered.length;
    expect(Math.abs(mean - 100)).toBeLessThan(3);
  });

  it('is dirty-label, seed-free in its trigger, and validates its knobs', () => {
    const a = createBpp({ poisonCount: 6, targetClass: 1, seed: 1 });
    const b = createBpp({ poisonCount: 6, targetClass: 1, seed: 2 });
    const g = geometryOfDataset(NOISE);
    expect(a.applyTrigger(imageOf(NOISE, 0), g)).toEqual(b.applyTrigger(imageOf(NOISE, 0), g));
    const { dataset, poisonedIndices } = a.poison(NOISE);
    expect(changedImages(NOISE, dataset)).toEqual(poisonedIndices);
    for (const i of poisonedIndices) expect(dataset.labels[i]).toBe(1);
    expect(b.poison(NOISE).poisonedIndices).not.toEqual(poisonedIndices);
    expect(() => createBpp({ poisonCount: 1, targetClass: 0, seed: 1, levels: 1 })).toThrow(/levels/);
    expect(() => createBpp({ poisonCount: 1, targetClass: 0, seed: 1, levels: 256 })).toThrow(/levels/);
  });

  it('allocates no tensors', () => {
    const before = tf.memory().numTensors;
    const attack = createBpp({ poisonCount: 10, targetClass: 0, seed: 1 });
    attack.poison(RGB);
    triggeredTestSet(attack, RGB);
    expect(tf.memory().numTensors).toBe(before);
  });
});
