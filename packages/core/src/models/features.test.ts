import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime } from '../runtime/backend.ts';
import { predictBatch, splitAtPenultimate } from './features.ts';
import { createModel } from './zoo.ts';

describe('predictBatch', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });

  it('gives exactly what predict gives, in one pass, for one and for two outputs, without leaks', () => {
    const model = createModel({ architecture: 'tiny-cnn', inputShape: [28, 28, 1], numClasses: 10, seed: 3 });
    const split = splitAtPenultimate(model);
    const twoHeads = tf.model({ inputs: model.inputs, outputs: [split.features.outputs[0]!, model.outputs[0]!] });
    // 70 images: more than predict's default slice of 32 and not a multiple of it.
    const x = tf.randomUniform([70, 28, 28, 1], 0, 1, 'float32', 5);
    const before = tf.memory().numTensors;
    const same = tf.tidy(() => {
      const one = (predictBatch(model, x) as tf.Tensor).dataSync();
      const reference = (model.predict(x) as tf.Tensor).dataSync();
      const [features, logits] = predictBatch(twoHeads, x) as tf.Tensor[];
      const [featuresReference, logitsReference] = twoHeads.predict(x) as tf.Tensor[];
      return {
        one: Array.from(one).every((v, i) => v === reference[i]),
        features: Array.from(features!.dataSync()).every((v, i) => v === featuresReference!.dataSync()[i]),
        logits: Array.from(logits!.dataSync()).every((v, i) => v === logitsReference!.dataSync()[i]),
        shapes: [features!.shape, logits!.shape],
      };
    });
    expect(same).toEqual({
      one: true,
      features: true,
      logits: true,
      shapes: [
        [70, 64],
        [70, 10],
      ],
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });
});
