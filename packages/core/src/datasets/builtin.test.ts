import { describe, expect, it } from 'vitest';
import { isAntidoteError } from '../errors.ts';
import { loadBuiltinDataset, loadFashionMnist } from './builtin.ts';
import { classHistogram, stratifiedSample } from './image-dataset.ts';

describe('built-in datasets', () => {
  it('Fashion-MNIST: deterministic 6,000 / 1,000 split per class of real images', () => {
    const { train, test } = loadFashionMnist();
    expect(classHistogram(train)).toEqual(new Array(10).fill(6000));
    expect(classHistogram(test)).toEqual(new Array(10).fill(1000));
    expect([train.height, train.width, train.channels]).toEqual([28, 28, 1]);
    // Real photos of clothing: many distinct grey levels, not a synthetic pattern.
    const levels = new Set(train.images.subarray(0, 784 * 20));
    expect(levels.size).toBeGreaterThan(200);
    // Same split every time (cached or not).
    expect(loadBuiltinDataset('fashion-mnist').train.images.subarray(0, 784)).toEqual(train.images.subarray(0, 784));
  });

  it('MNIST digits load with flips disabled', () => {
    const { train, test } = loadBuiltinDataset('mnist');
    expect(train.labels.length + test.labels.length).toBeGreaterThan(9900);
    expect(train.flipAugment).toBe(false);
  });

  it('a 1% stratified trusted subset is balanced and reproducible', () => {
    const { train } = loadFashionMnist();
    const a = stratifiedSample(train, 0.01, 7);
    const b = stratifiedSample(train, 0.01, 7);
    expect(classHistogram(a.selected)).toEqual(new Array(10).fill(60));
    expect(a.rest.labels.length).toBe(60000 - 600);
    expect(a.selected.images).toEqual(b.selected.images);
    expect(stratifiedSample(train, 0.01, 8).selected.images).not.toEqual(a.selected.images);
  });

  it('unknown names give NOT_FOUND', () => {
    let error: unknown;
    try {
      loadBuiltinDataset('imagenet');
    } catch (e) {
      error = e;
    }
    expect(isAntidoteError(error, 'NOT_FOUND')).toBe(true);
  });
});
