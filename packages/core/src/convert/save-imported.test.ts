import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelFromFiles, saveModelToFiles } from '../models/model-io.ts';
import { initRuntime } from '../runtime/backend.ts';
import { importModel } from './import-model.ts';
import { groupedConvOnnx, mobilenetLikeOnnx } from './test-models.ts';

describe('imported models as TF.js archives', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });

  it.each([
    ['MobileNet-like (every Onnx* layer but grouped conv, InputNormalization)', () => mobilenetLikeOnnx({ size: 32 })],
    ['ResNeXt-like (OnnxGroupedConv2D)', () => groupedConvOnnx({ size: 16 })],
  ])('%s saves and loads with identical outputs', async (_name, build) => {
    const imported = await importModel(build(), { preprocessing: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.2, 0.2] } });
    const files = await saveModelToFiles(imported.model);
    const loaded = await loadModelFromFiles(files);
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(imported.model.layers.map((l) => l.getClassName()));
    const [a, b] = tf.tidy(() => {
      const [, h, w, c] = (imported.model.inputs[0] as tf.SymbolicTensor).shape as number[];
      const x = tf.randomUniform([8, h as number, w as number, c as number], 0, 1, 'float32', 2);
      return [
        Array.from((imported.model.predict(x) as tf.Tensor).dataSync()),
        Array.from((loaded.predict(x) as tf.Tensor).dataSync()),
      ];
    });
    expect(b).toEqual(a);
    imported.model.dispose();
    loaded.dispose();
  });
});
