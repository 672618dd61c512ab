import { describe, expect, it } from 'vitest';
import { compareHeldOut, dropInterval, withinBudget } from './held-out.ts';

describe('compareHeldOut', () => {
  it('pairs the two models image by image', () => {
    const labels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const suspect = [0, 1, 2, 3, 4, 5, 6, 7, 0, 0]; // 8 right
    const repaired = [0, 1, 2, 3, 4, 5, 1, 1, 8, 0]; // loses 6 and 7, gains 8: 7 right
    const c = compareHeldOut(suspect, repaired, labels);
    expect(c).toMatchObject({ images: 10, lost: 2, gained: 1, accuracy: 0.7, agreement: 0.7 });
    expect(c.drop).toBeCloseTo(0.1, 12);
    // ((b + c) - (b - c)^2 / n) / n^2 = (3 - 0.1) / 100
    expect(c.dropStdError).toBeCloseTo(Math.sqrt(2.9 / 100), 12);
  });

  it('has no error when the models agree everywhere', () => {
    const c = compareHeldOut([1, 2, 3], [1, 2, 3], [1, 2, 0]);
    expect(c.drop).toBe(0);
    expect(c.dropStdError).toBe(0);
    expect(c.agreement).toBe(1);
  });

  it('refuses predictions of another length', () => {
    expect(() => compareHeldOut([1, 2], [1, 2, 3], [1, 2, 3])).toThrow(/predictions/);
  });
});

describe('withinBudget', () => {
  const twoOf120 = { drop: 2 / 120, dropStdError: 0.02 };
  it('accepts a drop of exactly the budget', () => {
    expect(withinBudget(twoOf120, 2 / 120, 0)).toBe(true);
  });
  it('refuses a larger drop unless the tolerance covers it', () => {
    const drop = { drop: 0.04, dropStdError: 0.015 };
    expect(withinBudget(drop, 0.02, 0)).toBe(false);
    expect(withinBudget(drop, 0.02, 1)).toBe(false);
    expect(withinBudget(drop, 0.02, 1.5)).toBe(true);
  });
  it('states a 95% interval around the drop', () => {
    const [low, high] = dropInterval({ drop: 0.03, dropStdError: 0.01 });
    expect(low).toBeCloseTo(0.0104, 12);
    expect(high).toBeCloseTo(0.0496, 12);
  });
});
