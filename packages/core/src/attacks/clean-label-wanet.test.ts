import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createCleanLabelWaNet } from './clean-label-wanet.ts';
import { triggeredTestSet } from './create-attack.ts';
import { changedImages, fixtureDataset, geometryOfDataset, imageOf } from './test-fixtures.ts';
import { createWaNet } from './wanet.ts';

const NOISE = fixtureDataset(60, { height: 28, width: 28, channels: 1 }, 3, 5);

describe('clean-label-wanet', () => {
  it('warps target-class images only, keeps every label, and adds no noise-mode samples', () => {
    const attack = createCleanLabelWaNet({ poisonCount: 15, targetClass: 2, seed: 3 });
    const { dataset, poisonedIndices, coverIndices } = attack.poison(NOISE);
    expect(attack.cleanLabel).toBe(true);
    expect(coverIndices).toEqual([]);
    expect(poisonedIndices).toHaveLength(15);
    expect(changedImages(NOISE, dataset)).toEqual(poisonedIndices);
    for (const i of poisonedIndices) expect(NOISE.labels[i]).toBe(2);
    expect(dataset.labels).toEqual(NOISE.labels);
  });

  it("uses the paper's k = 8, s = 0.5 and exactly WaNet's warp for the same seed and knobs", () => {
    const attack = createCleanLabelWaNet({ poisonCount: 1, targetClass: 0, seed: 9 });
    expect(attack.options).toMatchObject({ k: 8, s: 0.5 });
    const wanet = createWaNet({ poisonCount: 1, targetClass: 0, seed: 9, k: 8, s: 0.5 });
    const g = geometryOfDataset(NOISE);
    const image = imageOf(NOISE, 4);
    expect(attack.applyTrigger(image, g)).toEqual(wanet.applyTrigger(image, g));
    // A warp moves pixels, it does not paint: a flat image stays flat.
    const flat = new Uint8Array(28 * 28).fill(77);
    expect(new Set(attack.applyTrigger(flat, g))).toEqual(new Set([77]));
    // Warps are seeded: another seed moves pixels differently.
    const other = createCleanLabelWaNet({ poisonCount: 1, targetClass: 0, seed: 10 });
    expect(other.applyTrigger(image, g)).not.toEqual(attack.applyTrigger(image, g));
    expect(() => createCleanLabelWaNet({ poisonCount: 1, targetClass: 0, seed: 1, k: 29 }).applyTrigger(image, g)).toThrow(
      /k = 29/,
    );
    expect(() => createCleanLabelWaNet({ poisonCount: 1, targetClass: 0, seed: 1, s: 0 })).toThrow(/s must/);
  });

  it('allocates no tensors', () => {
    const before = tf.memory().numTensors;
    const attack = createCleanLabelWaNet({ poisonCount: 10, targetClass: 0, seed: 1 });
    attack.poison(NOISE);
    triggeredTestSet(attack, NOISE);
    expect(tf.memory().numTensors).toBe(before);
  });
});
