import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { triggeredTestSet } from './create-attack.ts';
import { createLowFrequency, lowFrequencyField } from './low-frequency.ts';
import { changedImages, fixtureDataset, geometryOfDataset, imageOf } from './test-fixtures.ts';

const FLAT = fixtureDataset(60, { height: 28, width: 28, channels: 1 }, 3, 5, true);
const RGB = fixtureDataset(60, { height: 32, width: 32, channels: 3 }, 3, 6, true);

/** Mean absolute difference between horizontally or vertically adjacent values of one plane. */
function roughness(values: ArrayLike<number>, height: number, width: number, channels: number, channel: number): number {
  let sum = 0;
  let n = 0;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const v = values[(r * width + c) * channels + channel] as number;
      if (c + 1 < width) {
        sum += Math.abs(v - (values[(r * width + c + 1) * channels + channel] as number));
        n++;
      }
      if (r + 1 < height) {
        sum += Math.abs(v - (values[((r + 1) * width + c) * channels + channel] as number));
        n++;
      }
    }
  }
  return sum / n;
}

describe('low-frequency', () => {
  it('adds a smooth field whose largest change is the amplitude', () => {
    const g = geometryOfDataset(FLAT);
    const attack = createLowFrequency({ poisonCount: 1, targetClass: 0, seed: 4, amplitude: 30 });
    const original = imageOf(FLAT, 0);
    const diff = Array.from(attack.applyTrigger(original, g), (v, i) => v - (original[i] as number));
    expect(Math.max(...diff.map(Math.abs))).toBe(30);
    // Smooth: neighbouring pixels differ by about a pixel's share of the amplitude, far below
    // the ~10 levels a uniform noise pattern of that amplitude would show.
    expect(roughness(diff, 28, 28, 1, 0)).toBeLessThan(3);
    const field = lowFrequencyField(4, 3, true, g);
    expect(Math.max(...Array.from(field, Math.abs))).toBeCloseTo(1, 12);
  });

  it('draws one field per colour channel, or one brightness field with colour off', () => {
    const g = geometryOfDataset(RGB);
    const colour = lowFrequencyField(2, 3, true, g);
    const brightness = lowFrequencyField(2, 3, false, g);
    const channel = (field: Float64Array, k: number) => Array.from({ length: 32 * 32 }, (_, p) => field[p * 3 + k] as number);
    expect(channel(colour, 0)).not.toEqual(channel(colour, 1));
    expect(channel(brightness, 0)).toEqual(channel(brightness, 1));
    expect(channel(brightness, 1)).toEqual(channel(brightness, 2));
  });

  it('is dirty-label: relabels non-target images, and validates its knobs', () => {
    const attack = createLowFrequency({ poisonCount: 8, targetClass: 2, seed: 1 });
    const { dataset, poisonedIndices } = attack.poison(FLAT);
    expect(attack.cleanLabel).toBe(false);
    expect(changedImages(FLAT, dataset)).toEqual(poisonedIndices);
    for (const i of poisonedIndices) {
      expect(FLAT.labels[i]).not.toBe(2);
      expect(dataset.labels[i]).toBe(2);
    }
    expect(() => createLowFrequency({ poisonCount: 1, targetClass: 0, seed: 1, gridSize: 1 })).toThrow(/gridSize/);
    expect(() => createLowFrequency({ poisonCount: 1, targetClass: 0, seed: 1, amplitude: 300 })).toThrow(/amplitude/);
  });

  it('allocates no tensors', () => {
    const before = tf.memory().numTensors;
    const attack = createLowFrequency({ poisonCount: 10, targetClass: 0, seed: 1 });
    attack.poison(RGB);
    triggeredTestSet(attack, RGB);
    expect(tf.memory().numTensors).toBe(before);
  });
});
