import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../models/zoo.ts';
import { initRuntime } from '../runtime/backend.ts';
import { exportTfjsToOnnx } from './export-tfjs.ts';
import { checkFidelity } from './fidelity.ts';
import { importModel } from './import-model.ts';

/** Non-trivial BN statistics, as after training (fresh layers have mean 0 and variance 1). */
function trainedStatistics(model: tf.LayersModel): void {
  model.layers.forEach((layer, i) => {
    if (layer.getClassName() !== 'BatchNormalization') return;
    const weights = layer.getWeights();
    const next = weights.map((w, j) =>
      tf.tidy(() => tf.add(tf.mul(w, 0.9), tf.abs(tf.randomNormal(w.shape, 0.1, 0.2, 'float32', i * 7 + j)))),
    );
    layer.setWeights(next);
    for (const t of next) t.dispose();
  });
}

describe('exportTfjsToOnnx', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });

  it.each([
    ['tiny-cnn', [28, 28, 1]],
    ['tiny-resnet', [32, 32, 3]],
    ['resnet20', [32, 32, 3]],
  ] as const)('%s runs in ONNX Runtime like in tfjs, and imports back', async (architecture, inputShape) => {
    const model = createModel({ architecture, inputShape, numClasses: 10, seed: 4 });
    trainedStatistics(model);
    const before = tf.memory().numTensors;
    const bytes = exportTfjsToOnnx(model);
    expect(tf.memory().numTensors).toBe(before);
    const report = await checkFidelity(bytes, model, { count: 64 });
    expect(report.n).toBe(64);
    expect(report.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(report.top1Agreement).toBe(1);

    const imported = await importModel(bytes);
    const back = await checkFidelity(bytes, imported.model, { count: 64 });
    expect(back.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(back.top1Agreement).toBe(1);
    imported.model.dispose();
    model.dispose();
  });
});
