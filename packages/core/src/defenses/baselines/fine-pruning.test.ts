import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAntidoteError } from '../../errors.ts';
import { initRuntime } from '../../runtime/backend.ts';
import { splitTrusted, validationAccuracy } from '../common.ts';
import { type FinePruningResult, finePruning } from './fine-pruning.ts';
import { repairContract } from './repair-contract.ts';
import { type BackdooredFixture, backdooredFixture, convBnModel } from './test-fixtures.ts';

const SMALL = { steps: 40, batchSize: 32, evaluateEvery: 10, accuracyBudget: 0.05 };

async function channelValues(
  model: tf.LayersModel,
  layerName: string,
): Promise<{ name: string; values: number[]; shape: number[] }[]> {
  const layers = model.layers;
  const index = layers.findIndex((l) => l.name === layerName);
  // The conv's kernel and bias, plus gamma/beta of a batch norm right after it.
  const next = layers[index + 1];
  const weights = [
    ...(layers[index]?.trainableWeights ?? []),
    ...(next?.getClassName() === 'BatchNormalization' ? next.trainableWeights : []),
  ];
  return Promise.all(
    weights.map(async (w) => ({ name: w.name, values: Array.from(await w.read().data()), shape: w.read().shape })),
  );
}

/** Values of output channel `c` of a weight whose last axis indexes channels. */
function channelSlice(weight: { values: number[]; shape: number[] }, c: number): number[] {
  const channels = weight.shape[weight.shape.length - 1] ?? 1;
  return weight.values.filter((_, i) => i % channels === c);
}

async function checkPrunedStayZero(fixture: BackdooredFixture, result: FinePruningResult): Promise<void> {
  expect(result.prunedChannels.length).toBeGreaterThan(0);
  expect(result.steps).toBeGreaterThan(0);
  const after = await channelValues(result.model, result.layer);
  const before = await channelValues(fixture.model, result.layer);
  expect(after.length).toBeGreaterThanOrEqual(2);
  const pruned = new Set(result.prunedChannels);
  const channels = after[0]!.shape[after[0]!.shape.length - 1]!;
  let keptChanged = false;
  for (const [w, weight] of after.entries()) {
    for (let c = 0; c < channels; c++) {
      const slice = channelSlice(weight, c);
      if (pruned.has(c)) expect(slice.every((v) => v === 0)).toBe(true);
      else if (slice.some((v, i) => v !== channelSlice(before[w]!, c)[i])) keptChanged = true;
    }
  }
  // Fine-tuning really moved the kept channels, so the zeros are the mask's doing, not idleness.
  expect(keptChanged).toBe(true);
}

describe('fine-pruning baseline', () => {
  let fixture: BackdooredFixture;
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
    fixture = await backdooredFixture();
  });
  afterAll(() => fixture.model.dispose());

  it('starts from a really backdoored model', () => {
    expect(fixture.cda).toBeGreaterThan(0.9);
    expect(fixture.asr).toBeGreaterThan(0.9);
  });

  repairContract(
    () => fixture,
    (f, extra) => finePruning(f.model, f.trusted, { seed: 1, ...SMALL, ...extra }),
    { defense: 'fine-pruning', phases: ['rank', 'prune', 'fine-tune'], accuracyBudget: 0.05 },
  );

  it('prunes the most dormant channels of the last conv layer and keeps them exactly zero through fine-tuning', async () => {
    const result = await finePruning(fixture.model, fixture.trusted, { seed: 4, ...SMALL });
    const lastConv = fixture.model.layers.filter((l) => l.getClassName() === 'Conv2D').at(-1);
    expect(result.layer).toBe(lastConv?.name);
    expect(result.parameters.prunedChannels).toBe(result.prunedChannels.length);
    await checkPrunedStayZero(fixture, result);

    // The chosen amount respects the floor on the held-out split, and the result is measured there.
    const { validation } = splitTrusted(fixture.trusted, { seed: 4 });
    expect(result.parameters.validationAccuracyPruned as number).toBeGreaterThanOrEqual(result.validationAccuracyBefore - 0.05);
    expect(await validationAccuracy(result.model, validation)).toBe(result.validationAccuracyAfter);
    result.model.dispose();
  });

  it('ranks channels dormant-first by mean activation on the fit split', async () => {
    const result = await finePruning(fixture.model, fixture.trusted, { seed: 4, ...SMALL, steps: 0 });
    expect(result.prunedChannels.length).toBeGreaterThan(0);
    const { fit } = splitTrusted(fixture.trusted, { seed: 4 });
    const conv = fixture.model.getLayer(result.layer);
    const probe = tf.model({ inputs: fixture.model.inputs, outputs: conv.output as tf.SymbolicTensor });
    const x = tf.tensor4d(
      Float32Array.from(fit.images, (v) => v / 255),
      [fit.labels.length, fit.height, fit.width, 1],
    );
    const activations = probe.predict(x) as tf.Tensor4D;
    const means = tf.mean(activations, [0, 1, 2]);
    const values = Array.from(await means.data());
    tf.dispose([x, activations, means]);
    const prunedMax = Math.max(...result.prunedChannels.map((c) => values[c]!));
    const keptMin = Math.min(...values.filter((_, c) => !result.prunedChannels.includes(c)));
    expect(prunedMax).toBeLessThanOrEqual(keptMin + 1e-6);
    result.model.dispose();
  });

  it('also zeroes and freezes the batch norm after a linear conv (gradients would otherwise revive the channel)', async () => {
    const bnFixture = await backdooredFixture(3, 11, convBnModel);
    expect(bnFixture.cda).toBeGreaterThan(0.9);
    expect(bnFixture.asr).toBeGreaterThan(0.9);
    const before = tf.memory().numTensors;
    const result = await finePruning(bnFixture.model, bnFixture.trusted, { seed: 5, ...SMALL });
    expect(result.layer).toBe('tail');
    expect(result.parameters.prunedBatchNorm).toBe(true);
    await checkPrunedStayZero(bnFixture, result);
    result.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    bnFixture.model.dispose();
  });

  it('refuses a model without a conv layer', async () => {
    const dense = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [12, 12, 1] }), tf.layers.dense({ units: 3 })],
    });
    const before = tf.memory().numTensors;
    await expect(finePruning(dense, fixture.trusted, { seed: 1 })).rejects.toSatisfy((e) => isAntidoteError(e, 'SHAPE_MISMATCH'));
    expect(tf.memory().numTensors).toBe(before);
    dense.dispose();
  });
});
