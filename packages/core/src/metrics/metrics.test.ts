import { describe, expect, it } from 'vitest';
import { accuracy, attackRecoveryRate, attackSuccessRate, confusionMatrix, perClassAccuracy, rocAuc } from './metrics.ts';

describe('metrics (hand-computed)', () => {
  // True labels and predictions of six triggered images; the target class is 2.
  const labels = [0, 1, 2, 0, 1, 1];
  const predictions = [2, 1, 2, 2, 0, 2];

  it('CDA is top-1 accuracy', () => {
    expect(accuracy(predictions, labels)).toBeCloseTo(2 / 6);
    expect(accuracy([], [])).toBe(0);
    expect(() => accuracy([1], [1, 2])).toThrow(/1 predictions for 2 labels/);
  });

  it('ASR counts target predictions among non-target images only', () => {
    // Non-target images: indices 0,1,3,4,5 -> predicted target at 0,3,5.
    expect(attackSuccessRate(predictions, labels, 2)).toBeCloseTo(3 / 5);
  });

  it('ARR is accuracy of non-target triggered images against their true labels', () => {
    // Non-target images: only index 1 is predicted correctly.
    expect(attackRecoveryRate(predictions, labels, 2)).toBeCloseTo(1 / 5);
  });

  it('confusion matrix rows are true classes, columns predictions', () => {
    const matrix = confusionMatrix(predictions, labels, 3);
    expect(matrix).toEqual([
      [0, 0, 2],
      [1, 1, 1],
      [0, 0, 1],
    ]);
    expect(perClassAccuracy(matrix)).toEqual([0, 1 / 3, 1]);
  });
});

describe('rocAuc', () => {
  it('is 1 for perfect separation, 0.5 for ties, 0 when inverted, null without a population', () => {
    expect(rocAuc([0.9, 0.8], [0.1, 0.2])).toBe(1);
    expect(rocAuc([0.5], [0.5])).toBe(0.5);
    expect(rocAuc([0.1], [0.9, 0.8])).toBe(0);
    expect(rocAuc([0.6, 0.2], [0.4])).toBe(0.5);
    expect(rocAuc([], [0.1])).toBeNull();
  });
});
