import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { installBackpropMemoryRelease } from './backprop-memory.ts';

describe('backward pass releases memory as it goes', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    installBackpropMemoryRelease();
  });

  it('frees the gradients and saved tensors of the layers above while it reaches the first', () => {
    const depth = 40;
    const x = tf.randomNormal([8, 16], 0, 1, 'float32', 1);
    let liveAtBottom = 0;
    // Identity forward; its gradient runs last and counts what the backward pass still holds.
    const probe = tf.customGrad((input) => ({
      value: tf.clone(input as tf.Tensor),
      gradFunc: (dy: tf.Tensor) => {
        liveAtBottom = tf.memory().numTensors;
        return tf.clone(dy);
      },
    }));
    const before = tf.memory().numTensors;
    const dx = tf.grad((input: tf.Tensor) => {
      let h = probe(input) as tf.Tensor;
      for (let i = 0; i < depth; i++) h = tf.tanh(tf.mul(h, 1.01));
      return tf.sum(h);
    })(x);
    expect(Math.max(...Array.from(dx.dataSync()).map(Math.abs))).toBeGreaterThan(0);
    // Without the release every layer still holds its saved tensors and gradients (> 3 * depth).
    expect(liveAtBottom - before).toBeLessThan(depth / 2);
    dx.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('gives the same gradients as the formula, leaves the caller dy usable, and supports second order', () => {
    tf.tidy(() => {
      const x = tf.tensor1d([0.5, -1, 2]);
      const dy = tf.tensor1d([1, 2, 3]);
      // d/dx sum(dy * tanh(x)^2) = dy * 2 tanh(x) (1 - tanh(x)^2)
      const g = tf.grad((a: tf.Tensor) => tf.square(tf.tanh(a)))(x, dy);
      const t = tf.tanh(x);
      const expected = tf.mul(dy, tf.mul(tf.mul(2, t), tf.sub(1, tf.square(t))));
      expect(Array.from(g.dataSync())).toEqual(Array.from(expected.dataSync()).map((v) => expect.closeTo(v, 5)));
      expect(Array.from(dy.dataSync())).toEqual([1, 2, 3]);
      // d2/dx2 x^3 = 6x: the inner backward pass is recorded on the outer tape and must survive
      const second = tf.grad((a: tf.Tensor) => tf.grad((b: tf.Tensor) => tf.pow(b, 3))(a))(x);
      expect(Array.from(second.dataSync())).toEqual([3, -6, 12].map((v) => expect.closeTo(v, 4)));
    });
  });

  it('keeps a gradient one node returns for two of its inputs until both are used', () => {
    tf.tidy(() => {
      const x = tf.tensor1d([1, 2]);
      // the same dy object for both inputs
      const join = tf.customGrad((a, b) => ({
        value: tf.add(a as tf.Tensor, b as tf.Tensor),
        gradFunc: (dy: tf.Tensor) => [dy, dy],
      }));
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(join(tf.mul(v, 2), tf.mul(v, 3)) as tf.Tensor, tf.exp(v))))(x);
      // d/dv (5 v e^v) = 5 e^v (1 + v)
      expect(Array.from(g.dataSync())).toEqual([1, 2].map((v) => expect.closeTo(5 * Math.exp(v) * (1 + v), 3)));
    });
  });
});
