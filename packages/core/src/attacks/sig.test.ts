import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { triggeredTestSet } from './create-attack.ts';
import { createSig, sigProfile } from './sig.ts';
import { changedImages, fixtureDataset, geometryOfDataset, imageOf } from './test-fixtures.ts';

const FLAT = fixtureDataset(60, { height: 28, width: 28, channels: 1 }, 3, 5, true);
const RGB = fixtureDataset(60, { height: 16, width: 32, channels: 3 }, 3, 6, true);

describe('sig', () => {
  it('adds delta * sin(2 pi j f / width) to every row and channel: amplitude and frequency', () => {
    for (const data of [FLAT, RGB]) {
      const g = geometryOfDataset(data);
      const attack = createSig({ poisonCount: 1, targetClass: 0, seed: 1, delta: 20, frequency: 6 });
      const original = imageOf(data, 0);
      const out = attack.applyTrigger(original, g);
      const profile = sigProfile(g.width, 6);
      for (let r = 0; r < g.height; r++) {
        for (let c = 0; c < g.width; c++) {
          for (let k = 0; k < g.channels; k++) {
            const i = (r * g.width + c) * g.channels + k;
            // `|| 0` folds Math.round's -0 into 0.
            expect((out[i] as number) - (original[i] as number)).toBe(Math.round(20 * (profile[c] as number)) || 0);
          }
        }
      }
      // Amplitude: the largest change is delta times the sampled sine's peak (near 1); frequency:
      // f full periods give 2f - 1 sign changes along a row.
      const peak = Math.max(...profile);
      expect(peak).toBeGreaterThan(0.97);
      const row = Array.from(
        { length: g.width },
        (_, c) => (out[c * g.channels] as number) - (original[c * g.channels] as number),
      );
      expect(Math.max(...row)).toBe(Math.round(20 * peak));
      expect(Math.max(...row)).toBeGreaterThanOrEqual(19);
      expect(Math.min(...row)).toBe(-Math.round(20 * Math.max(...profile.map((v) => -v))));
      const signs = row.filter((v) => v !== 0).map(Math.sign);
      const flips = signs.slice(1).filter((s, i) => s !== signs[i]).length;
      expect(flips).toBe(2 * 6 - 1);
    }
  });

  it('poisons target-class images only and keeps every label (clean-label)', () => {
    const attack = createSig({ poisonCount: 12, targetClass: 1, seed: 3 });
    const { dataset, poisonedIndices } = attack.poison(FLAT);
    expect(changedImages(FLAT, dataset)).toEqual(poisonedIndices);
    expect(poisonedIndices).toHaveLength(12);
    for (const i of poisonedIndices) expect(FLAT.labels[i]).toBe(1);
    expect(dataset.labels).toEqual(FLAT.labels);
  });

  it('uses testDelta at test time only, clips at 0 and 255, and validates its knobs', () => {
    const attack = createSig({ poisonCount: 5, targetClass: 0, seed: 1, delta: 10, testDelta: 40 });
    const g = geometryOfDataset(FLAT);
    const out = attack.applyTrigger(imageOf(FLAT, 0), g);
    const peak = Math.max(...sigProfile(28, 6));
    const diffs = Array.from(out, (v, i) => v - (imageOf(FLAT, 0)[i] as number));
    expect(Math.max(...diffs)).toBe(Math.round(40 * peak));
    const { dataset, poisonedIndices } = attack.poison(FLAT);
    const i = poisonedIndices[0] as number;
    const trained = Array.from(imageOf(dataset, i), (v, k) => v - (imageOf(FLAT, i)[k] as number));
    expect(Math.max(...trained)).toBe(Math.round(10 * peak));
    const white = attack.applyTrigger(new Uint8Array(28 * 28).fill(250), g);
    expect(Math.max(...white)).toBe(255);
    expect(Math.min(...attack.applyTrigger(new Uint8Array(28 * 28), g))).toBe(0);
    expect(() => createSig({ poisonCount: 1, targetClass: 0, seed: 1, delta: 0 })).toThrow(/delta/);
    expect(() => createSig({ poisonCount: 1, targetClass: 0, seed: 1, frequency: 1.5 })).toThrow(/frequency/);
  });

  it('allocates no tensors', () => {
    const before = tf.memory().numTensors;
    const attack = createSig({ poisonCount: 10, targetClass: 0, seed: 1 });
    attack.poison(FLAT);
    triggeredTestSet(attack, FLAT);
    expect(tf.memory().numTensors).toBe(before);
  });
});
