import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { ImageDataset } from '../datasets/image-dataset.ts';
import { createRng } from '../random.ts';
import { triggeredTestSet } from './create-attack.ts';
import { createLabelConsistent, fitLinearSurrogate, pgdAway, surrogateProbabilities } from './label-consistent.ts';
import { changedImages, fixtureDataset, geometryOfDataset, imageOf } from './test-fixtures.ts';

/** Two easily separable classes (dark vs bright), plus a third in between, with noise. */
function separable(count: number): ImageDataset {
  const rng = createRng(11);
  const labels = Int32Array.from({ length: count }, (_, i) => i % 3);
  const images = new Uint8Array(count * 64);
  for (let i = 0; i < count; i++) {
    const base = [40, 215, 128][labels[i] as number] as number;
    for (let j = 0; j < 64; j++) images[i * 64 + j] = base + rng.int(31) - 15;
  }
  return { images, labels, height: 8, width: 8, channels: 1, classNames: ['dark', 'bright', 'grey'], flipAugment: false };
}

const NOISE = fixtureDataset(60, { height: 28, width: 28, channels: 1 }, 3, 5);

describe('label-consistent', () => {
  it('fits a surrogate that learns the classes, and PGD lowers its confidence within epsilon', () => {
    const data = separable(90);
    const surrogate = fitLinearSurrogate(data, 5, createRng(1));
    const image = imageOf(data, 1).slice();
    const x = Float64Array.from(image, (v) => v / 255);
    const before = surrogateProbabilities(surrogate, x)[1] as number;
    expect(before).toBeGreaterThan(0.5);
    const attacked = pgdAway(surrogate, image.slice(), 1, 32, 10, createRng(2));
    const after = surrogateProbabilities(
      surrogate,
      Float64Array.from(attacked, (v) => v / 255),
    )[1] as number;
    expect(after).toBeLessThan(before);
    const moved = Array.from(attacked, (v, i) => Math.abs(v - (image[i] as number)));
    expect(Math.max(...moved)).toBeLessThanOrEqual(32);
    expect(Math.max(...moved)).toBeGreaterThan(16);
  });

  it('poisons target-class images only, labels kept: perturbed within epsilon plus four corner patches', () => {
    const attack = createLabelConsistent({ poisonCount: 10, targetClass: 2, seed: 4, epsilon: 16 });
    const { dataset, poisonedIndices } = attack.poison(NOISE);
    expect(attack.cleanLabel).toBe(true);
    expect(dataset.labels).toEqual(NOISE.labels);
    expect(changedImages(NOISE, dataset)).toEqual(poisonedIndices);
    const g = geometryOfDataset(NOISE);
    // Pixel -> its checkerboard value (white where the patch-local row + column is even).
    const corners = new Map<number, number>();
    for (const [top, left] of [
      [0, 0],
      [0, 25],
      [25, 0],
      [25, 25],
    ] as const) {
      for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) corners.set((top + r) * 28 + left + c, (r + c) % 2 === 0 ? 255 : 0);
    }
    for (const i of poisonedIndices) {
      expect(NOISE.labels[i]).toBe(2);
      const out = imageOf(dataset, i);
      const original = imageOf(NOISE, i);
      for (let p = 0; p < 784; p++) {
        if (corners.has(p)) {
          expect(out[p]).toBe(corners.get(p));
        } else {
          expect(Math.abs((out[p] as number) - (original[p] as number))).toBeLessThanOrEqual(16);
        }
      }
      expect([...out].some((v, p) => !corners.has(p) && v !== original[p])).toBe(true);
    }
    // The test trigger is the patch alone.
    const triggered = attack.applyTrigger(imageOf(NOISE, 0), g);
    expect([...triggered].some((v, p) => v !== imageOf(NOISE, 0)[p])).toBe(true);
    const outside = [...triggered].filter((v, p) => !corners.has(p) && v !== imageOf(NOISE, 0)[p]);
    expect(outside).toEqual([]);
  });

  it('epsilon 0 is the patch alone; one corner when allCorners is off', () => {
    const attack = createLabelConsistent({ poisonCount: 5, targetClass: 0, seed: 1, epsilon: 0, allCorners: false });
    const { dataset, poisonedIndices } = attack.poison(NOISE);
    for (const i of poisonedIndices) {
      const diff = [...imageOf(dataset, i)].flatMap((v, p) => (v !== imageOf(NOISE, i)[p] ? [p] : []));
      for (const p of diff) {
        expect(Math.floor(p / 28)).toBeGreaterThanOrEqual(25);
        expect(p % 28).toBeGreaterThanOrEqual(25);
      }
    }
    expect(() => createLabelConsistent({ poisonCount: 1, targetClass: 0, seed: 1, epsilon: -1 })).toThrow(/epsilon/);
    expect(() => createLabelConsistent({ poisonCount: 1, targetClass: 0, seed: 1, pgdSteps: 0 })).toThrow(/pgdSteps/);
  });

  it('allocates no tensors', () => {
    const before = tf.memory().numTensors;
    const attack = createLabelConsistent({ poisonCount: 10, targetClass: 0, seed: 1 });
    attack.poison(NOISE);
    triggeredTestSet(attack, NOISE);
    expect(tf.memory().numTensors).toBe(before);
  });
});
