import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { centroidOrthogonality, classCentroids, parameterDistance, pivotGeometryAlignment, slolLoss } from './slol.ts';

const value = (t: tf.Tensor) => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

describe('Pivotal Tuning loss terms (hand-computed)', () => {
  it('class centroids average features of the classes present in the batch', () => {
    const features = tf.tensor2d([
      [1, 0],
      [3, 0],
      [1, 1],
    ]);
    const { centroids, pivotCentroids, present } = classCentroids(
      features,
      tf.mul(features, 2) as tf.Tensor2D,
      Int32Array.from([0, 0, 2]),
      3,
    );
    expect(present).toEqual([0, 2]);
    expect(centroids.arraySync()).toEqual([
      [2, 0],
      [1, 1],
    ]);
    expect(pivotCentroids.arraySync()).toEqual([
      [4, 0],
      [2, 2],
    ]);
    tf.dispose([features, centroids, pivotCentroids]);
  });

  it('orthogonality: 0 for orthogonal centroids, 0.5 for [1,0] and [1,1] (off-diagonal cos 0.7071 twice, / K = 2)', () => {
    expect(
      value(
        centroidOrthogonality(
          tf.tensor2d([
            [1, 0],
            [0, 3],
          ]),
        ),
      ),
    ).toBeCloseTo(0, 5);
    expect(
      value(
        centroidOrthogonality(
          tf.tensor2d([
            [1, 0],
            [1, 1],
          ]),
        ),
      ),
    ).toBeCloseTo(0.5, 5);
  });

  it('alignment: cosine of pair differences, each unordered pair once', () => {
    const c = tf.tensor2d([
      [1, 0],
      [1, 1],
    ]);
    // Pair difference [0,-1] against the pivot's [0,-2]: cosine 1.
    expect(
      value(
        pivotGeometryAlignment(
          c,
          tf.tensor2d([
            [1, 0],
            [1, 2],
          ]),
        ),
      ),
    ).toBeCloseTo(1, 5);
    // Against [2,0]: orthogonal, cosine 0.
    expect(
      value(
        pivotGeometryAlignment(
          c,
          tf.tensor2d([
            [2, 0],
            [0, 0],
          ]),
        ),
      ),
    ).toBeCloseTo(0, 5);
    // Reversed geometry: cosine -1.
    expect(
      value(
        pivotGeometryAlignment(
          c,
          tf.tensor2d([
            [1, 2],
            [1, 0],
          ]),
        ),
      ),
    ).toBeCloseTo(-1, 5);
  });

  it('SLOL sign: align subtracts the alignment, repel adds it', () => {
    const c = tf.tensor2d([
      [1, 0],
      [1, 1],
    ]);
    const c0 = tf.tensor2d([
      [1, 0],
      [1, 2],
    ]);
    expect(value(slolLoss(c, c0, 'align'))).toBeCloseTo(0.5 - 1, 5);
    expect(value(slolLoss(c, c0, 'repel'))).toBeCloseTo(0.5 + 1, 5);
  });

  it('parameter distance: squared distance per parameter', () => {
    const current = [tf.tensor1d([1, 2]), tf.tensor1d([3])];
    const pivot = [tf.tensor1d([0, 0]), tf.tensor1d([1])];
    expect(value(parameterDistance(current, pivot))).toBeCloseTo(9 / 3, 6);
    tf.dispose([...current, ...pivot]);
  });

  it('leaves no tensors behind', () => {
    const c = tf.tensor2d([
      [1, 0],
      [1, 1],
    ]);
    const c0 = tf.tensor2d([
      [1, 0],
      [1, 2],
    ]);
    const before = tf.memory().numTensors;
    value(slolLoss(c, c0, 'align'));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([c, c0]);
  });
});

describe('SLOL gradients', () => {
  it('are finite even with identical centroids (zero-length pair differences)', () => {
    const c0 = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    const grad = tf.grad((c: tf.Tensor) => slolLoss(c as tf.Tensor2D, c0, 'align'))(
      tf.tensor2d([
        [1, 0],
        [1, 0],
        [0, 1],
      ]),
    );
    for (const v of grad.dataSync()) expect(Number.isFinite(v)).toBe(true);
    tf.dispose([c0, grad]);
  });
});
