import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { initRuntime } from '../runtime/backend.ts';
import { importModel } from './import-model.ts';
import { groupedConvOnnx, mobilenetLikeOnnx, resnetLikeOnnx } from './test-models.ts';

/** Gradients of a cross-entropy loss w.r.t. every trainable weight, in training mode (BN on batch statistics). */
async function gradients(bytes: Uint8Array): Promise<number[][]> {
  const { model } = await importModel(bytes);
  const [, h, w, c] = (model.inputs[0] as tf.SymbolicTensor).shape as number[];
  const result = tf.tidy(() => {
    const x = tf.randomUniform([4, h as number, w as number, c as number], 0, 1, 'float32', 3);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10);
    const { grads } = tf.variableGrads(() => {
      const out = model.apply(x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(labels, out) as tf.Scalar;
    });
    return model.trainableWeights.map((v) => Array.from((grads[(v.read() as tf.Variable).name] as tf.Tensor).dataSync()));
  });
  model.dispose();
  return result;
}

describe('imported models train on wasm', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    ['ResNet-like (depthwise, BN, residual)', () => resnetLikeOnnx({ size: 16 })],
    ['MobileNet-like (depthwise x2, dilated conv, HardSwish, SE, padded pools)', () => mobilenetLikeOnnx({ size: 32 })],
    ['ResNeXt-like (grouped convs)', () => groupedConvOnnx({ size: 16 })],
  ])('%s: wasm gradients equal the cpu backend', async (_name, build) => {
    const bytes = build();
    await tf.setBackend('cpu');
    const expected = await gradients(bytes);
    await initRuntime({ backend: 'wasm' });
    const actual = await gradients(bytes);
    expect(actual.length).toBe(expected.length);
    let nonZero = 0;
    actual.forEach((grad, i) => {
      const reference = expected[i] as number[];
      const scale = Math.max(1e-6, ...reference.map(Math.abs));
      const worst = Math.max(...grad.map((g, j) => Math.abs(g - (reference[j] as number)) / scale));
      expect(worst).toBeLessThan(1e-3);
      if (grad.some((g) => g !== 0)) nonZero++;
    });
    expect(nonZero).toBe(actual.length);
  });
});
