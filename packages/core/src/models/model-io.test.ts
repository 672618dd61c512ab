import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AntidoteError, isAntidoteError } from '../errors.ts';
import { initRuntime } from '../runtime/backend.ts';
import { splitAtPenultimate } from './features.ts';
import { assertModelFitsDataset, loadModelFromFiles, MODEL_JSON, type ModelFiles, saveModelToFiles } from './model-io.ts';
import { createModel, forwardFlops } from './zoo.ts';

const geometry = { height: 28, width: 28, channels: 1, classNames: Array.from({ length: 10 }, (_, i) => String(i)) };

async function savedSmallCnn(): Promise<ModelFiles> {
  const model = createModel({ architecture: 'small-cnn', inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
  const files = await saveModelToFiles(model);
  model.dispose();
  return files;
}

async function expectError(promise: Promise<unknown>, code: AntidoteError['code'], mentions: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isAntidoteError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  expect((error as Error).message).toMatch(mentions);
}

describe('model I/O', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });

  it('round-trips weights and predictions through bytes', async () => {
    const model = createModel({ architecture: 'small-cnn', inputShape: [28, 28, 1], numClasses: 10, seed: 4 });
    const loaded = await loadModelFromFiles(await saveModelToFiles(model));
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 1);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    for (const t of [x, a, b]) t.dispose();
    model.dispose();
    loaded.dispose();
  });

  it('rejects a corrupt model.json', async () => {
    const files = await savedSmallCnn();
    files[MODEL_JSON] = new TextEncoder().encode('{"modelTopology": {"class_name": "Model"');
    await expectError(loadModelFromFiles(files), 'CORRUPT_FILE', /model\.json is not valid JSON/);
  });

  it('rejects truncated weights', async () => {
    const files = await savedSmallCnn();
    files['weights.bin'] = files['weights.bin']!.subarray(0, 1000);
    await expectError(loadModelFromFiles(files), 'CORRUPT_FILE', /truncated/);
  });

  it('names a missing weight file', async () => {
    const files = await savedSmallCnn();
    delete files['weights.bin'];
    await expectError(loadModelFromFiles(files), 'INVALID_INPUT', /weights\.bin/);
  });

  it('rejects a graph model with advice', async () => {
    const files = { [MODEL_JSON]: new TextEncoder().encode(JSON.stringify({ format: 'graph-model', modelTopology: {} })) };
    await expectError(loadModelFromFiles(files), 'UNSUPPORTED_FORMAT', /layers model/);
  });

  it('reports a shape mismatch and a wrong class count against a dataset', async () => {
    const model = createModel({ architecture: 'small-cnn', inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    expect(() => assertModelFitsDataset(model, { ...geometry, height: 32, width: 32, channels: 3 })).toThrow(
      /expects 28x28x1 images but the dataset has 32x32x3/,
    );
    let error: unknown;
    try {
      assertModelFitsDataset(model, { ...geometry, classNames: ['a', 'b', 'c'] });
    } catch (e) {
      error = e;
    }
    expect(isAntidoteError(error, 'CLASS_MISMATCH')).toBe(true);
    expect((error as Error).message).toMatch(/predicts 10 classes but the dataset has 3/);
    expect(assertModelFitsDataset(model, geometry).numClasses).toBe(10);
    model.dispose();
  });
});

describe('model zoo', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
  });

  it.each([
    ['small-cnn', [28, 28, 1]],
    ['tiny-cnn', [28, 28, 1]],
    ['resnet20', [32, 32, 3]],
    ['preact-resnet18', [32, 32, 3]],
  ] as const)('%s outputs logits and exposes penultimate features', (architecture, inputShape) => {
    const model = createModel({ architecture, inputShape, numClasses: 10, seed: 2 });
    const before = tf.memory().numTensors;
    const { features, outputsProbabilities } = splitAtPenultimate(model);
    expect(outputsProbabilities).toBe(false);
    const out = tf.tidy(() => {
      const x = tf.zeros([2, ...inputShape]);
      return [(model.predict(x) as tf.Tensor).shape, (features.predict(x) as tf.Tensor).shape];
    });
    expect(out[0]).toEqual([2, 10]);
    expect(out[1]?.[0]).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
    expect(forwardFlops(model)).toBeGreaterThan(0);
    model.dispose();
  });

  it('makes tiny-cnn the small CNN at half the width (about a quarter of its work)', () => {
    const small = createModel({ architecture: 'small-cnn', inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    const tiny = createModel({ architecture: 'tiny-cnn', inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    const ratio = forwardFlops(small) / forwardFlops(tiny);
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(4.5);
    expect(splitAtPenultimate(tiny).features.outputs[0]?.shape).toEqual([null, 64]);
    small.dispose();
    tiny.dispose();
  });

  it('gives the same initial weights for the same seed', async () => {
    const a = createModel({ architecture: 'resnet20', inputShape: [32, 32, 3], numClasses: 10, seed: 7 });
    const b = createModel({ architecture: 'resnet20', inputShape: [32, 32, 3], numClasses: 10, seed: 7 });
    const c = createModel({ architecture: 'resnet20', inputShape: [32, 32, 3], numClasses: 10, seed: 8 });
    const first = async (m: tf.LayersModel) => Array.from(await m.getWeights()[0]!.data()).slice(0, 20);
    expect(await first(a)).toEqual(await first(b));
    expect(await first(a)).not.toEqual(await first(c));
    for (const m of [a, b, c]) m.dispose();
  });
});
