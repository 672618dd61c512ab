import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initRuntime } from '../../runtime/backend.ts';
import { splitTrusted, validationAccuracy } from '../common.ts';
import { FINE_TUNING_DEFAULTS, fineTuning } from './fine-tuning.ts';
import { repairContract } from './repair-contract.ts';
import { type BackdooredFixture, backdooredFixture, weightValues } from './test-fixtures.ts';

const SMALL = { steps: 40, batchSize: 32, evaluateEvery: 10, accuracyBudget: 0.05 };

describe('fine-tuning baseline', () => {
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
    (f, extra) => fineTuning(f.model, f.trusted, { seed: 1, ...SMALL, ...extra }),
    { defense: 'fine-tuning', phases: ['fine-tune'], accuracyBudget: 0.05 },
  );

  it('uses the learning rate as the learning rate (not the weight decay) by default', () => {
    expect(FINE_TUNING_DEFAULTS.learningRate).toBe(0.01);
    expect(FINE_TUNING_DEFAULTS.weightDecay).not.toBe(FINE_TUNING_DEFAULTS.learningRate);
  });

  it('reports the accuracy the returned model really has on the held-out split', async () => {
    const result = await fineTuning(fixture.model, fixture.trusted, { seed: 2, ...SMALL });
    const { validation } = splitTrusted(fixture.trusted, { seed: 2 });
    expect(await validationAccuracy(result.model, validation)).toBe(result.validationAccuracyAfter);
    expect(result.parameters).toMatchObject({ learningRate: 0.01, momentum: 0.9, batchSize: 32, steps: 40 });
    result.model.dispose();
  });

  it('returns the suspect weights when no checkpoint meets the floor', async () => {
    // A negative budget puts the floor above the suspect's accuracy, so every check must fail.
    const before = tf.memory().numTensors;
    const result = await fineTuning(fixture.model, fixture.trusted, { seed: 3, ...SMALL, accuracyBudget: -0.01 });
    expect(result.steps).toBe(0);
    expect(result.validationAccuracyAfter).toBe(result.validationAccuracyBefore);
    expect(await weightValues(result.model)).toEqual(await weightValues(fixture.model));
    result.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
