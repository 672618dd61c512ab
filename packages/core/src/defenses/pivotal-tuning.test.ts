import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initRuntime } from '../runtime/backend.ts';
import { repairContract } from './baselines/repair-contract.ts';
import { type BackdooredFixture, backdooredFixture, rates, weightValues } from './baselines/test-fixtures.ts';
import {
  FRESH_HEAD_RECIPE,
  NOISE_BLEND_AUTO,
  PIVOT_HEAD_RECIPE,
  pivotalTuning,
  UNLABELLED_AGREEMENT_BUDGET,
} from './pivotal-tuning.ts';

function headKernel(model: tf.LayersModel): Float32Array {
  const head = model.layers[model.layers.length - 1]!;
  return head.getWeights()[0]!.dataSync() as Float32Array;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

// The contract checks API behaviour. The fixture's 12 px images are too small for a noise patch
// on every image and for mixed pairs (both knock it out of a 5-point budget within 40 steps), so
// its runs use half the patches and no mixup.
const FIXTURE_KNOBS = { noisePatches: 0.5, distillMixup: 0 } as const;
const SMALL = { steps: 40, batchSize: 32, evaluateEvery: 10, accuracyBudget: 0.05, learningRate: 0.02, ...FIXTURE_KNOBS };
/** The earlier defaults, whose re-initialised head brings the run-after-run fallbacks into play. */
const REINITIALISED = {
  headInit: 'random',
  learningRate: 0.05,
  lambdaDistill: 0.3,
  retry: { lambdaHeadShift: 1, lambdaDistill: 1 },
  pivotHeadFallback: true,
  ...FIXTURE_KNOBS,
} as const;

describe('Pivotal Tuning', () => {
  let fixture: BackdooredFixture;
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
    fixture = await backdooredFixture();
  });
  afterAll(() => fixture.model.dispose());

  repairContract(
    () => fixture,
    (f, extra) => pivotalTuning(f.model, f.trusted, { seed: 1, ...SMALL, ...extra }),
    { defense: 'pivotal-tuning', phases: ['repair'], accuracyBudget: 0.05 },
  );

  it('lowers the attack success rate of a planted backdoor while keeping clean accuracy', async () => {
    const result = await pivotalTuning(fixture.model, fixture.trusted, {
      seed: 3,
      steps: 80,
      batchSize: 32,
      evaluateEvery: 20,
      ...FIXTURE_KNOBS,
    });
    const after = await rates(result.model, fixture.test, fixture.triggeredTest);
    expect(after.asr).toBeLessThan(fixture.asr - 0.3);
    expect(after.cda).toBeGreaterThan(fixture.cda - 0.05);
    result.model.dispose();
  });

  it('returns the suspect itself, not a half-trained re-initialised head, when no checkpoint stays in budget', async () => {
    const suspect = await weightValues(fixture.model);
    const result = await pivotalTuning(fixture.model, fixture.trusted, {
      seed: 5,
      steps: 2,
      batchSize: 16,
      evaluateEvery: 1,
      // A floor above 100%: no checkpoint can be within budget.
      accuracyBudget: -0.01,
      budgetTolerance: 0,
      ...REINITIALISED,
      pivotHeadFallback: false,
      retry: null,
    });
    expect(result.parameters.headInit).toBe('random');
    expect(result.steps).toBe(0);
    expect(await weightValues(result.model)).toEqual(suspect);
    result.model.dispose();
  });

  it('tries again with stronger distillation, then with the pivot head, while no run keeps anything within budget', async () => {
    const before = tf.memory().numTensors;
    const suspect = await weightValues(fixture.model);
    // A floor above 100%: no run can come back within budget, so every run must run.
    const impossible = {
      seed: 5,
      steps: 4,
      batchSize: 16,
      evaluateEvery: 2,
      accuracyBudget: -0.01,
      budgetTolerance: 0,
      ...REINITIALISED,
    };
    const phases: string[] = [];
    const result = await pivotalTuning(fixture.model, fixture.trusted, {
      ...impossible,
      onProgress: (p) => void phases.push(p.phase),
    });
    expect([...new Set(phases)]).toEqual(['repair', 'repair-retry', 'repair-pivot-head']);
    expect(result.parameters).toMatchObject({
      attempts: 3,
      keptRun: 'repair-pivot-head',
      headInit: 'pivot',
      lambdaHeadShift: 0.5,
      lambdaDistill: 0.3,
    });
    expect(await weightValues(result.model)).toEqual(suspect);
    result.model.dispose();

    const second: string[] = [];
    const twice = await pivotalTuning(fixture.model, fixture.trusted, {
      ...impossible,
      pivotHeadFallback: false,
      onProgress: (p) => void second.push(p.phase),
    });
    expect([...new Set(second)]).toEqual(['repair', 'repair-retry']);
    expect(twice.parameters).toMatchObject({ attempts: 2, lambdaHeadShift: 1, lambdaDistill: 1 });
    twice.model.dispose();

    const single: string[] = [];
    const once = await pivotalTuning(fixture.model, fixture.trusted, {
      ...impossible,
      retry: null,
      pivotHeadFallback: false,
      onProgress: (p) => void single.push(p.phase),
    });
    expect([...new Set(single)]).toEqual(['repair']);
    expect(once.parameters).toMatchObject({ attempts: 1, lambdaHeadShift: 0.5, lambdaDistill: 0.3 });
    once.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps the pivot head in its last run, which comes back within a budget no new head reaches', async () => {
    const pivotHead = headKernel(fixture.model);
    // A zero budget at a negligible learning rate: a re-initialised head stays near chance, far
    // below the floor, while the pivot's head keeps the suspect's own held-out accuracy.
    const result = await pivotalTuning(fixture.model, fixture.trusted, {
      seed: 7,
      steps: 4,
      batchSize: 16,
      evaluateEvery: 2,
      accuracyBudget: 0,
      budgetTolerance: 0,
      ...REINITIALISED,
      learningRate: 1e-6,
    });
    expect(result.parameters).toMatchObject({ attempts: 3, keptRun: 'repair-pivot-head', headInit: 'pivot' });
    expect(result.steps).toBeGreaterThan(0);
    expect(cosine(headKernel(result.model), pivotHead)).toBeGreaterThan(0.99);
    result.model.dispose();
  });

  it('decides the noise blend from the noise sensitivity of the suspect, unless told a share', async () => {
    const before = tf.memory().numTensors;
    const short = { seed: 2, steps: 4, batchSize: 16, evaluateEvery: 2, accuracyBudget: 0.5 };
    const auto = await pivotalTuning(fixture.model, fixture.trusted, short);
    const sensitivity = auto.parameters.noiseSensitivity;
    expect(typeof sensitivity).toBe('number');
    expect(sensitivity as number).toBeGreaterThanOrEqual(0);
    expect(sensitivity as number).toBeLessThanOrEqual(1);
    expect(auto.parameters.noiseBlend).toBe((sensitivity as number) >= NOISE_BLEND_AUTO.gate ? NOISE_BLEND_AUTO.fraction : 0);
    auto.model.dispose();
    const told = await pivotalTuning(fixture.model, fixture.trusted, { ...short, noiseBlend: 0.25 });
    expect(told.parameters.noiseBlend).toBe(0.25);
    expect(told.parameters.noiseSensitivity).toBeUndefined();
    told.model.dispose();
    await expect(pivotalTuning(fixture.model, fixture.trusted, { ...short, noiseBlend: 2 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('does not retry when the first run comes back within budget', async () => {
    const phases: string[] = [];
    const result = await pivotalTuning(fixture.model, fixture.trusted, {
      seed: 1,
      ...SMALL,
      onProgress: (p) => void phases.push(p.phase),
    });
    expect(result.steps).toBeGreaterThan(0);
    expect(new Set(phases)).toEqual(new Set(['repair']));
    expect(result.parameters.attempts).toBe(1);
    result.model.dispose();
  });

  it('moves the head away from the pivot head when the head-shift weight is on', async () => {
    const pivotHead = headKernel(fixture.model);
    const cosines: number[] = [];
    for (const lambdaHeadShift of [0, 2]) {
      // From a re-initialised head: from the pivot's own head the cosine starts at its maximum,
      // where its gradient is zero.
      const result = await pivotalTuning(fixture.model, fixture.trusted, {
        seed: 6,
        ...SMALL,
        headInit: 'random',
        lambdaHeadShift,
        select: 'final',
      });
      cosines.push(cosine(headKernel(result.model), pivotHead));
      result.model.dispose();
    }
    expect(cosines[1]).toBeLessThan((cosines[0] ?? 0) - 0.1);
  });

  it('trains with the pivot-head recipe unless told the fresh-head one, and says which', async () => {
    const short = { seed: 4, steps: 10, batchSize: 32, evaluateEvery: 5, accuracyBudget: 0.05, ...FIXTURE_KNOBS };
    for (const recipe of [undefined, 'pivot-head', 'fresh-head'] as const) {
      const result = await pivotalTuning(fixture.model, fixture.trusted, { ...short, ...(recipe ? { recipe } : {}) });
      result.model.dispose();
      const expected = recipe ?? 'pivot-head';
      expect(result.parameters.recipe).toBe(expected);
      // The first run's settings (a fresh-head run that keeps nothing is followed by a pivot-head one).
      expect(result.parameters.learningRate).toBe(
        expected === 'fresh-head' ? FRESH_HEAD_RECIPE.learningRate : PIVOT_HEAD_RECIPE.learningRate,
      );
    }
  });

  it('judges a strict-budget run by the held-out drop itself, without the tolerance', async () => {
    const run = (strictBudget: boolean) =>
      pivotalTuning(fixture.model, fixture.trusted, {
        seed: 8,
        steps: 40,
        batchSize: 32,
        evaluateEvery: 5,
        accuracyBudget: 0,
        budgetTolerance: 3,
        recipe: 'fresh-head',
        retry: null,
        strictBudget,
        // Every image patched and mixed pairs: the fixture's 12 px images then lose a few held-out images.
        noisePatches: 1,
        distillMixup: 2,
      });
    const loose = await run(false);
    loose.model.dispose();
    console.log(
      'CK',
      JSON.stringify(loose.checkpoints.map((c) => [c.step, c.withinFloor, c.heldOut?.drop, c.heldOut?.dropStdError])),
    );
    const admitted = loose.checkpoints.filter((c) => c.withinFloor && (c.heldOut?.drop ?? 0) > 0);
    // The tolerance admits checkpoints that lost held-out images; a strict run refuses each one.
    expect(admitted.length).toBeGreaterThan(0);
    const strict = await run(true);
    strict.model.dispose();
    for (const checkpoint of admitted) {
      expect(strict.checkpoints.find((c) => c.step === checkpoint.step)?.withinFloor).toBe(false);
    }
    for (const checkpoint of strict.checkpoints.filter((c) => c.withinFloor)) {
      expect(checkpoint.heldOut?.drop).toBeLessThanOrEqual(1e-9);
    }
  });

  it("works without labels: learns the suspect's answers and judges agreement with it", async () => {
    // Labels that are all wrong: a run that still read them would wreck clean accuracy.
    const numClasses = fixture.trusted.classNames.length;
    const wrong = { ...fixture.trusted, labels: fixture.trusted.labels.map((label) => (label + 1) % numClasses) };
    const result = await pivotalTuning(fixture.model, wrong, {
      seed: 3,
      steps: 80,
      batchSize: 32,
      evaluateEvery: 20,
      ...FIXTURE_KNOBS,
      useLabels: false,
    });
    expect(result.parameters).toMatchObject({
      useLabels: false,
      heldOutMetric: 'agreement',
      accuracyBudget: UNLABELLED_AGREEMENT_BUDGET,
    });
    // The suspect agrees with itself on every held-out image.
    expect(result.validationAccuracyBefore).toBe(1);
    const after = await rates(result.model, fixture.test, fixture.triggeredTest);
    expect(after.cda).toBeGreaterThan(fixture.cda - 0.05);
    expect(after.asr).toBeLessThan(fixture.asr - 0.3);
    result.model.dispose();
  });
});
