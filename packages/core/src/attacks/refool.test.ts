import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { ImageDataset } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';
import { triggeredTestSet } from './create-attack.ts';
import { blurReflection, createRefool, ghostReflection } from './refool.ts';
import { changedImages, fixtureDataset, geometryOfDataset, imageOf } from './test-fixtures.ts';

const NOISE = fixtureDataset(60, { height: 28, width: 28, channels: 1 }, 3, 5);

/** A dark dataset whose image i has one bright pixel at a position unique to i. */
function dotted(count: number): ImageDataset {
  const images = new Uint8Array(count * 28 * 28);
  for (let i = 0; i < count; i++) images[i * 784 + 28 * (2 + (i % 20)) + 2 + Math.floor(i / 20) * 5] = 200;
  return {
    images,
    labels: Int32Array.from({ length: count }, (_, i) => i % 3),
    height: 28,
    width: 28,
    channels: 1,
    classNames: ['a', 'b', 'c'],
    flipAugment: false,
  };
}

describe('refool', () => {
  it('reflects other images of the dataset, outside the target class, into target-class images only', () => {
    const data = dotted(60);
    const attack = createRefool({ poisonCount: 10, targetClass: 1, seed: 2, reflectionCount: 4, strength: 0.5, kernel: 'ghost' });
    const { dataset, poisonedIndices } = attack.poison(data);
    expect(attack.cleanLabel).toBe(true);
    expect(dataset.labels).toEqual(data.labels);
    expect(changedImages(data, dataset)).toEqual(poisonedIndices);
    const sources = new Set<number>();
    for (const i of poisonedIndices) {
      expect(data.labels[i]).toBe(1);
      const added = Array.from(imageOf(dataset, i), (v, k) => v - (imageOf(data, i)[k] as number));
      // Ghost of a single dot: the dot and its copy 3 px down-right, each at strength * 200 / 2.
      const lit = added.flatMap((v, p) => (v > 0 ? [p] : []));
      expect(lit).toHaveLength(2);
      expect(added[lit[0] as number]).toBe(50);
      expect((lit[1] as number) - (lit[0] as number)).toBe(3 * 28 + 3);
      const source = [...data.labels.keys()].find((j) => imageOf(data, j)[lit[0] as number] === 200) as number;
      expect(data.labels[source]).not.toBe(1);
      sources.add(source);
    }
    expect(sources.size).toBeGreaterThan(1);
    expect(sources.size).toBeLessThanOrEqual(4);
  });

  it('blur kernel: a Gaussian that keeps the mass and spreads it', () => {
    const g = { height: 28, width: 28, channels: 1 };
    const dot = new Uint8Array(784);
    dot[14 * 28 + 14] = 200;
    const blurred = blurReflection(dot, g, 1.5);
    expect(blurred.reduce((a, b) => a + b, 0)).toBeCloseTo(200, 6);
    expect(blurred[14 * 28 + 14] as number).toBeLessThan(20);
    expect(blurred[14 * 28 + 15] as number).toBeGreaterThan(blurred[14 * 28 + 17] as number);
    expect(Math.max(...ghostReflection(dot, g, 3))).toBe(100);
  });

  it('picks test-time reflections deterministically and needs a fitted pool', () => {
    const g = geometryOfDataset(NOISE);
    const unfitted = createRefool({ poisonCount: 1, targetClass: 0, seed: 1 });
    expect(unfitted.triggerFitted).toBe(false);
    const error = (() => {
      try {
        unfitted.applyTrigger(imageOf(NOISE, 0), g);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(AntidoteError);
    expect((error as AntidoteError).message).toMatch(/fitTrigger/);
    // triggeredTestSet draws from the evaluation set when the attack was never fitted.
    const triggered = triggeredTestSet(unfitted, NOISE);
    expect(unfitted.triggerFitted).toBe(true);
    expect(triggered.labels.length).toBe(NOISE.labels.filter((l) => l !== 0).length);
    const twin = createRefool({ poisonCount: 1, targetClass: 0, seed: 1 });
    twin.fitTrigger?.(NOISE);
    expect(twin.applyTrigger(imageOf(NOISE, 5), g)).toEqual(unfitted.applyTrigger(imageOf(NOISE, 5), g));
    expect(() => twin.applyTrigger(new Uint8Array(32 * 32 * 3), { height: 32, width: 32, channels: 3 })).toThrow(/28x28x1/);
    expect(() => createRefool({ poisonCount: 1, targetClass: 0, seed: 1, kernel: 'mirror' as never })).toThrow(/kernel/);
  });

  it('allocates no tensors', () => {
    const before = tf.memory().numTensors;
    const attack = createRefool({ poisonCount: 10, targetClass: 0, seed: 1, kernel: 'blur' });
    attack.poison(NOISE);
    triggeredTestSet(attack, NOISE);
    expect(tf.memory().numTensors).toBe(before);
  });
});
