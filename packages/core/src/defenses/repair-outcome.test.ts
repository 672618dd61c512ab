import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { CheckpointRecord } from './floor-tuning.ts';
import { compareHeldOut } from './held-out.ts';
import { judgeRepair, REPAIRED_ATTACK_SUCCESS_BAR, repairFrontier, sameWeights } from './repair-outcome.ts';

const labels = Array.from({ length: 100 }, (_, i) => i % 10);
/** A checkpoint that gets `wrong` of the suspect's right answers wrong (the suspect is always right). */
function checkpoint(step: number, wrong: number, asr?: number, within = true): CheckpointRecord {
  const predictions = labels.map((l, i) => (i < wrong ? (l + 1) % 10 : l));
  return {
    phase: 'repair',
    step,
    validationAccuracy: 1 - wrong / 100,
    withinFloor: within,
    heldOut: compareHeldOut(labels, predictions, labels),
    metrics: asr === undefined ? {} : { attackSuccess: asr },
  };
}

describe('repairFrontier', () => {
  it('keeps only checkpoints no other beats on both drop and attack success', () => {
    const frontier = repairFrontier(
      [
        checkpoint(25, 0, 0.9),
        checkpoint(50, 1, 0.95),
        checkpoint(75, 2, 0.3),
        checkpoint(100, 5, 0.4),
        checkpoint(125, 6, 0.02, false),
      ],
      { attackMetric: 'attackSuccess' },
    );
    expect(frontier.map((p) => p.step)).toEqual([25, 75, 125]);
    expect(frontier[2]).toMatchObject({ withinBudget: false, attackSuccess: 0.02, heldOutImages: 100 });
    expect(frontier[1]!.drop).toBeCloseTo(0.02, 12);
    const [low, high] = frontier[1]!.dropInterval;
    expect(low).toBeLessThan(0.02);
    expect(high).toBeGreaterThan(0.02);
  });

  it('without an attack lists the lowest drops, up to the limit', () => {
    const frontier = repairFrontier([checkpoint(25, 3), checkpoint(50, 1), checkpoint(75, 2)], { limit: 2 });
    expect(frontier.map((p) => p.step)).toEqual([50, 75]);
    expect(frontier.every((p) => p.attackSuccess === undefined)).toBe(true);
  });

  it('thins a long frontier but keeps both ends', () => {
    const many = Array.from({ length: 30 }, (_, i) => checkpoint(25 * (i + 1), i, 1 - i / 30));
    const frontier = repairFrontier(many, { attackMetric: 'attackSuccess', limit: 5 });
    expect(frontier).toHaveLength(5);
    expect(frontier[0]!.step).toBe(25);
    expect(frontier[4]!.step).toBe(750);
  });
});

describe('judgeRepair', () => {
  it('says not repaired when the weights came back unchanged', () => {
    const j = judgeRepair({ changed: false, accuracyBudget: 0.02 });
    expect(j.repaired).toBe(false);
    expect(j.reasons[0]).toMatch(/2\.0-point budget/);
  });

  it('says not repaired when a known attack still works', () => {
    const j = judgeRepair({ changed: true, accuracyBudget: 0.02 }, { successBefore: 0.99, successAfter: 0.35 });
    expect(j.repaired).toBe(false);
    expect(j.reasons[0]).toMatch(/35\.0%/);
  });

  it('says repaired when the model changed and the known attack is under the bar', () => {
    expect(
      judgeRepair({ changed: true, accuracyBudget: 0.02 }, { successBefore: 0.99, successAfter: REPAIRED_ATTACK_SUCCESS_BAR }),
    ).toEqual({
      repaired: true,
      reasons: [],
    });
    expect(judgeRepair({ changed: true, accuracyBudget: 0.02 }).repaired).toBe(true);
  });
});

describe('sameWeights', () => {
  it('tells a copy from a changed model without leaking tensors', async () => {
    const make = () => {
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones' })] });
      return m;
    };
    const a = make();
    const b = make();
    const before = tf.memory().numTensors;
    expect(sameWeights(a, b)).toBe(true);
    const [kernel, bias] = b.getWeights() as [tf.Tensor, tf.Tensor];
    const nudged = tf.tidy(() => kernel.add(1e-3));
    b.layers[0]!.setWeights([nudged, bias]);
    nudged.dispose();
    expect(sameWeights(a, b)).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
    b.dispose();
  });
});
