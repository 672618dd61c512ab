import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAntidoteError } from '../../errors.ts';
import { initRuntime } from '../../runtime/backend.ts';
import type { DefenseProgress } from '../types.ts';
import { attentionLoss, attentionMap, NAD_DEFAULTS, neuralAttentionDistillation } from './nad.ts';
import { repairContract } from './repair-contract.ts';
import { type BackdooredFixture, backdooredFixture, orderedPhases } from './test-fixtures.ts';

// NAD's beta of 1000 is scaled for CIFAR-sized maps; 12x12 images give 3x3..12x12 maps whose
// averaged differences are larger, so the fast tests start from 100 (the retry test uses 1000).
const SMALL = { teacherSteps: 20, steps: 40, batchSize: 32, evaluateEvery: 10, accuracyBudget: 0.05, beta: 100 };

describe('NAD attention maps (hand-computed)', () => {
  it('averages squared activations over channels, then L2-normalises each image', () => {
    // One image, 2x1 positions, 2 channels: mean squares are 1 and 2 -> [1, 2] / sqrt(5).
    const a = tf.tensor4d([1, 1, 2, 0], [1, 2, 1, 2]);
    const map = attentionMap(a);
    expect(Array.from(map.dataSync())).toEqual([expect.closeTo(1 / Math.sqrt(5), 6), expect.closeTo(2 / Math.sqrt(5), 6)]);
    tf.dispose([a, map]);
  });

  it('loss is the squared difference averaged over images and positions, and has finite gradients at zero', () => {
    const student = tf.tensor4d([1, 1, 0, 0], [1, 2, 1, 2]); // map [1, 0]
    const teacher = tf.tensor4d([0, 0, 3, 3], [1, 2, 1, 2]); // map [0, 1]
    const loss = attentionLoss(student, teacher);
    expect(loss.dataSync()[0]).toBeCloseTo(1, 6);
    const zeros = tf.zeros([1, 2, 1, 2]) as tf.Tensor4D;
    const grad = tf.grad((s: tf.Tensor) => attentionLoss(s as tf.Tensor4D, teacher))(zeros);
    expect(Array.from(grad.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([student, teacher, loss, zeros, grad]);
  });
});

describe('NAD baseline', () => {
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
    (f, extra) => neuralAttentionDistillation(f.model, f.trusted, { seed: 1, ...SMALL, ...extra }),
    { defense: 'nad', phases: ['teacher', 'distill'], accuracyBudget: 0.05 },
  );

  it('uses NAD defaults and reports the beta it kept', async () => {
    expect(NAD_DEFAULTS).toMatchObject({ beta: 1000, power: 2, attentionLayers: 3, learningRate: 0.01 });
    const result = await neuralAttentionDistillation(fixture.model, fixture.trusted, { seed: 2, ...SMALL });
    expect(result.parameters).toMatchObject({ beta: 100, betaRequested: 100, attentionLayers: 3, teacherSteps: 20 });
    result.model.dispose();
  });

  it('tunes beta down on validation when a run cannot stay above the floor (NAD default 1000 on tiny maps)', async () => {
    const before = tf.memory().numTensors;
    const events: DefenseProgress[] = [];
    const result = await neuralAttentionDistillation(fixture.model, fixture.trusted, {
      seed: 3,
      ...SMALL,
      beta: 1000,
      onProgress: (p) => void events.push(p),
    });
    expect(result.parameters).toMatchObject({ beta: 100, betaRequested: 1000 });
    expect(result.steps).toBeGreaterThanOrEqual(SMALL.steps / 2);
    expect(orderedPhases(events)).toEqual(['teacher', 'distill', 'distill-retry-1']);
    result.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects attention layers that are not Conv2D layers of the model', async () => {
    await expect(
      neuralAttentionDistillation(fixture.model, fixture.trusted, { seed: 1, ...SMALL, attentionLayers: ['logits'] }),
    ).rejects.toSatisfy((e) => isAntidoteError(e, 'INVALID_INPUT'));
  });
});
