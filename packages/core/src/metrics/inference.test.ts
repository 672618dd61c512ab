import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../datasets/image-dataset.ts';
import { type Architecture, createModel } from '../models/zoo.ts';
import { initRuntime } from '../runtime/backend.ts';
import { ORT_MIN_IMAGES, openPredictor, predictClassesFast } from './inference.ts';
import { predictClasses } from './metrics.ts';

function noiseDataset(count: number, [height, width, channels]: [number, number, number], seed: number): ImageDataset {
  let s = seed;
  const images = Uint8Array.from({ length: count * height * width * channels }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 24;
  });
  return {
    images,
    labels: Int32Array.from({ length: count }, (_, i) => i % 10),
    height,
    width,
    channels,
    classNames: Array.from({ length: 10 }, (_, i) => `c${i}`),
    flipAugment: false,
  };
}

const agreement = (a: Int32Array, b: Int32Array) => a.filter((v, i) => v === b[i]).length / a.length;

describe('inference on the fastest engine', () => {
  const models: tf.LayersModel[] = [];
  const model = (architecture: Architecture, inputShape: [number, number, number]) => {
    const m = createModel({ architecture, inputShape, numClasses: 10, seed: 3 });
    // A fresh ResNet answers one class for every noise image; shaken weights give varied answers,
    // so agreement below means something. Variances stay positive.
    const shaken = m.weights.map((w, i) =>
      tf.tidy(() => {
        const v = w.read();
        if (/variance/.test(w.name)) return v.clone();
        return v.add(tf.randomNormal(v.shape, 0, 0.2, 'float32', 100 + i));
      }),
    );
    m.setWeights(shaken);
    tf.dispose(shaken);
    models.push(m);
    return m;
  };
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });
  afterAll(() => {
    for (const m of models) m.dispose();
  });

  it.each([
    ['small-cnn', [28, 28, 1]],
    ['tiny-resnet', [32, 32, 3]],
  ] as const)('runs %s on ONNX Runtime with the classes tfjs predicts, leaking nothing', async (architecture, shape) => {
    const m = model(architecture, [...shape]);
    const data = noiseDataset(600, [...shape], 11);
    const reference = await predictClasses(m, data);
    const before = tf.memory().numTensors;
    const fast = await predictClassesFast(m, data, { threads: 1, batchSize: 128 });
    expect(tf.memory().numTensors).toBe(before);
    expect(fast.engine).toBe('onnxruntime');
    expect(fast.reason).toMatch(/^onnxruntime-node/);
    // float sums in another order may flip a near tie; nothing more
    expect(agreement(fast.predictions, reference)).toBeGreaterThanOrEqual(0.995);
    expect(new Set(fast.predictions).size).toBeGreaterThan(1);
  });

  it('stays on tfjs below the size where a session pays off, or when asked', async () => {
    const m = model('tiny-cnn', [28, 28, 1]);
    const small = noiseDataset(ORT_MIN_IMAGES - 1, [28, 28, 1], 5);
    const auto = await predictClassesFast(m, small);
    expect(auto.engine).toBe('tfjs');
    expect(auto.predictions).toEqual(await predictClasses(m, small));
    const asked = await openPredictor(m, { engine: 'tfjs' });
    expect(asked.engine).toBe('tfjs');
    await asked.release();
  });

  it('falls back to tfjs with the reason when the model cannot run on ONNX Runtime, and says so when ONNX Runtime was required', async () => {
    const input = tf.input({ shape: [28, 28, 1] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const a = tf.layers.dense({ units: 10 }).apply(flat) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 3 }).apply(flat) as tf.SymbolicTensor;
    const twoHeads = tf.model({ inputs: input, outputs: [a, b] });
    models.push(twoHeads);
    const auto = await openPredictor(twoHeads);
    expect(auto.engine).toBe('tfjs');
    expect(auto.reason).toMatch(/ONNX Runtime not used: only single-input, single-output/);
    await expect(openPredictor(twoHeads, { engine: 'onnxruntime' })).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
  });
});
