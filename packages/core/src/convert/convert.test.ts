import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { splitAtPenultimate } from '../models/features.ts';
import { initRuntime } from '../runtime/backend.ts';
import { checkFidelity } from './fidelity.ts';
import { importModel } from './import-model.ts';
import { groupedConvOnnx, mobilenetLikeOnnx, plainCnnOnnx, resnetLikeOnnx } from './test-models.ts';

const cases = [
  { name: 'plain CNN 28x28x1 (NCHW Flatten, Gemm transB=0)', bytes: () => plainCnnOnnx({ size: 28 }) },
  { name: 'ResNet-like 32x32x3 (residual, BN, depthwise, view)', bytes: () => resnetLikeOnnx({ size: 32 }) },
  { name: 'MobileNet-like 64x64x3 NHWC (HardSwish, SE, ReLU6, softmax head)', bytes: () => mobilenetLikeOnnx({ size: 64 }) },
  { name: 'ResNet-like 224x224x3', bytes: () => resnetLikeOnnx({ size: 224 }) },
  { name: 'ResNeXt-like 32x32x3 (PReLU, grouped convs, group 4 and 8)', bytes: () => groupedConvOnnx({ size: 32 }) },
  { name: 'ResNet-like 32x32x3 exported with a fixed batch of 1', bytes: () => resnetLikeOnnx({ size: 32, staticBatch: 1 }) },
];

describe('ONNX import against ONNX Runtime', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });

  for (const c of cases) {
    it(`${c.name}: max |diff| <= 1e-4 and full top-1 agreement on 256 inputs`, async () => {
      const before = tf.memory().numTensors;
      const bytes = c.bytes();
      const imported = await importModel(bytes);
      const report = await checkFidelity(bytes, imported.model, { count: 256, seed: 5 });
      expect(report.n).toBe(256);
      expect(report.maxAbsDiff).toBeLessThanOrEqual(1e-4);
      expect(report.top1Agreement).toBe(1);
      const { features, head } = splitAtPenultimate(imported.model);
      expect(head.name).toBe('logits');
      expect(features.outputs[0]?.shape.length).toBe(2);
      imported.model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
