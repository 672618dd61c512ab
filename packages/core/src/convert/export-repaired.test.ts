import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAntidoteError } from '../errors.ts';
import { OnnxGraphBuilder } from '../formats/onnx/builder.ts';
import { parseOnnx } from '../formats/onnx/parse.ts';
import { replaceInitializers } from '../formats/onnx/write.ts';
import { initRuntime } from '../runtime/backend.ts';
import { exportRepaired } from './export-repaired.ts';
import { checkFidelity } from './fidelity.ts';
import { importModel } from './import-model.ts';
import { groupedConvOnnx, mobilenetLikeOnnx, plainCnnOnnx, resnetLikeOnnx } from './test-models.ts';

/**
 * Stands in for a repair: scales every weight a repair can change (trainable weights and BN
 * statistics, not the graph's fixed arithmetic constants) by 1 +- 10%.
 */
function perturb(model: tf.LayersModel, seed: number): void {
  model.layers.forEach((layer, i) => {
    const weights = layer.getWeights();
    if (weights.length === 0 || layer.getClassName() === 'OnnxConstantBinary') return;
    const changed = weights.map((w, j) =>
      tf.tidy(() => tf.mul(w, tf.add(1, tf.randomUniform(w.shape, -0.1, 0.1, 'float32', seed + i * 31 + j)))),
    );
    layer.setWeights(changed);
    for (const t of changed) t.dispose();
  });
}

const cases = [
  { name: 'ResNet-like 32x32x3', bytes: () => resnetLikeOnnx({ size: 32 }) },
  { name: 'MobileNet-like 32x32x3 (NHWC, depthwise x2, MatMul+Add head)', bytes: () => mobilenetLikeOnnx({ size: 32 }) },
  { name: 'plain CNN 28x28x1 (Gemm alpha/beta, transB=0)', bytes: () => plainCnnOnnx({ size: 28 }) },
  { name: 'ResNeXt-like 32x32x3 (grouped convs)', bytes: () => groupedConvOnnx({ size: 32 }) },
];

describe('exportRepaired', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });

  for (const c of cases) {
    it(`${c.name}: the written file matches the repaired model in ONNX Runtime, graph unchanged`, async () => {
      const original = c.bytes();
      const imported = await importModel(original);
      const before = tf.memory().numTensors;
      perturb(imported.model, 17);
      const stale = await checkFidelity(original, imported.model, { count: 64 });
      expect(stale.maxAbsDiff).toBeGreaterThan(1e-3);

      const exported = await exportRepaired(original, imported.model, { count: 256 });
      expect(exported.fidelity?.n).toBe(256);
      expect(exported.fidelity?.maxAbsDiff).toBeLessThanOrEqual(1e-4);
      expect(exported.fidelity?.top1Agreement).toBe(1);

      const a = parseOnnx(original);
      const b = parseOnnx(exported.bytes);
      expect(b.nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs, n.attributes.size])).toEqual(
        a.nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs, n.attributes.size]),
      );
      expect([b.opset, b.irVersion, b.producerName, b.inputs, b.outputs]).toEqual([
        a.opset,
        a.irVersion,
        a.producerName,
        a.inputs,
        a.outputs,
      ]);
      expect([...b.initializers.keys()]).toEqual([...a.initializers.keys()]);
      for (const [name, tensor] of a.initializers) {
        expect(b.initializers.get(name)?.dims).toEqual(tensor.dims);
        if (!exported.replaced.includes(name)) expect(b.initializers.get(name)?.data).toEqual(tensor.data);
      }
      expect(exported.replaced.length).toBeGreaterThan(0);
      expect(tf.memory().numTensors).toBe(before);
      imported.model.dispose();
    });
  }

  it('refuses to write back weights the graph computes instead of storing', async () => {
    const g = new OnnxGraphBuilder();
    g.input('x', ['N', 3, 4, 4]);
    const flat = g.node('Flatten', ['x']);
    const w = g.initializer('w', { dims: [48, 5], data: new Float32Array(240).fill(0.01) });
    const wt = g.node('Transpose', [w], { perm: { ints: [1, 0] } });
    const y = g.node('Gemm', [flat, wt], { transB: { i: 1 } });
    g.output(y, ['N', 5]);
    const bytes = g.build();
    const imported = await importModel(bytes);
    let error: unknown;
    try {
      await exportRepaired(bytes, imported.model, { verify: false });
    } catch (e) {
      error = e;
    }
    expect(isAntidoteError(error, 'UNSUPPORTED_FORMAT')).toBe(true);
    expect((error as Error).message).toMatch(/logits\/kernel/);
    imported.model.dispose();
  });

  it('refuses names that are not initializers', () => {
    const bytes = resnetLikeOnnx({ size: 16 });
    let error: unknown;
    try {
      replaceInitializers(bytes, new Map([['no_such_weight', new Float32Array(1)]]));
    } catch (e) {
      error = e;
    }
    expect(isAntidoteError(error, 'NOT_FOUND')).toBe(true);
  });
});
