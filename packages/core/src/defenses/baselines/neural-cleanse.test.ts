import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAntidoteError } from '../../errors.ts';
import { initRuntime } from '../../runtime/backend.ts';
import type { DefenseProgress } from '../types.ts';
import {
  anomalyIndices,
  NEURAL_CLEANSE_DEFAULTS,
  type NeuralCleanseDetection,
  neuralCleanseDetect,
  neuralCleanseDetector,
  neuralCleanseRepair,
} from './neural-cleanse.ts';
import { repairContract } from './repair-contract.ts';
import { type BackdooredFixture, backdooredFixture, orderedPhases, PATCH, rates, SIDE, TARGET } from './test-fixtures.ts';

const SMALL_REPAIR = { repairSteps: 40, repairBatchSize: 32, evaluateEvery: 10, accuracyBudget: 0.05 };

describe('Neural Cleanse anomaly index (hand-computed)', () => {
  it('is (median - norm) / (1.4826 * MAD): positive below the median', () => {
    // median 11, deviations [10, 1, 0, 1, 2] -> MAD 1.
    const scores = anomalyIndices([1, 10, 11, 12, 13]);
    expect(scores[0]).toBeCloseTo(10 / 1.4826, 6);
    expect(scores[2]).toBe(0);
    expect(scores[4]).toBeCloseTo(-2 / 1.4826, 6);
  });

  it('stays finite when the MAD is zero', () => {
    const scores = anomalyIndices([1, 5, 5, 5]);
    expect(scores.every(Number.isFinite)).toBe(true);
    expect(scores[0]).toBeGreaterThan(2);
  });
});

describe('Neural Cleanse baseline', () => {
  let fixture: BackdooredFixture;
  let detection: NeuralCleanseDetection;
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
    // Five classes: the MAD of three norms is too coarse for the anomaly index to mean much.
    fixture = await backdooredFixture(5);
    detection = await neuralCleanseDetect(fixture.model, fixture.trusted, { seed: 1 });
  });
  afterAll(() => fixture.model.dispose());

  it('starts from a really backdoored model', () => {
    expect(fixture.cda).toBeGreaterThan(0.9);
    expect(fixture.asr).toBeGreaterThan(0.9);
  });

  it('finds the planted target as the smallest-norm class and flags it', () => {
    expect(detection.suspectedTarget).toBe(TARGET);
    expect(detection.classScores).toHaveLength(5);
    expect(detection.score).toBe(detection.classScores?.[TARGET]);
    expect(detection.threshold).toBe(2);
    expect(detection.verdict).toBe('backdoored');
    expect(detection.flaggedClasses).toEqual([TARGET]);
    const norms = detection.triggers.map((t) => t.norm);
    expect(Math.min(...norms)).toBe(norms[TARGET]);
  });

  it('recovers a trigger in the patch corner, returned as mask * pattern pixels', () => {
    const trigger = detection.trigger!;
    expect([trigger.height, trigger.width, trigger.channels]).toEqual([SIDE, SIDE, 1]);
    const { mask, pattern } = detection.triggers[TARGET]!;
    for (let i = 0; i < trigger.pixels.length; i++) expect(trigger.pixels[i]).toBeCloseTo(mask[i]! * pattern[i]!, 6);
    let corner = 0;
    for (let y = SIDE - PATCH - 1; y < SIDE; y++) for (let x = SIDE - PATCH - 1; x < SIDE; x++) corner += mask[y * SIDE + x]!;
    // Most of the mask's mass sits in the 4x4 bottom-right corner (the 3x3 patch and its edge).
    expect(corner / detection.triggers[TARGET]!.norm).toBeGreaterThan(0.5);
  });

  it('the Detector interface returns a plain DetectResult, and cancels and reports in order', async () => {
    const events: DefenseProgress[] = [];
    const before = tf.memory().numTensors;
    const result = await neuralCleanseDetector.detect(fixture.model, fixture.trusted, {
      seed: 2,
      steps: 10,
      onProgress: (p) => void events.push(p),
    });
    expect(result.detector).toBe('neural-cleanse');
    expect(Object.keys(result)).not.toContain('triggers');
    expect(orderedPhases(events)).toEqual(['invert']);
    expect(events.map((e) => e.step)).toEqual([1, 2, 3, 4, 5]);
    expect(result.parameters.steps).toBe(10);
    expect(tf.memory().numTensors).toBe(before);

    const controller = new AbortController();
    let reported = 0;
    const cancelled = neuralCleanseDetector.detect(fixture.model, fixture.trusted, {
      seed: 2,
      steps: 10,
      signal: controller.signal,
      onProgress: () => {
        reported++;
        controller.abort();
      },
    });
    await expect(cancelled).rejects.toSatisfy((e) => isAntidoteError(e, 'CANCELLED'));
    expect(reported).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  repairContract(
    () => fixture,
    (f, extra) => neuralCleanseRepair(f.model, f.trusted, { seed: 1, steps: 30, ...SMALL_REPAIR, ...extra }),
    { defense: 'neural-cleanse', phases: ['invert', 'unlearn'], accuracyBudget: 0.05 },
  );

  it('unlearns the flagged trigger with true labels, reusing a detection, beyond what plain fine-tuning does', async () => {
    const events: DefenseProgress[] = [];
    const options = { seed: 1, detection, ...SMALL_REPAIR, onProgress: (p: DefenseProgress) => void events.push(p) };
    const result = await neuralCleanseRepair(fixture.model, fixture.trusted, options);
    expect(orderedPhases(events)).toEqual(['unlearn']);
    expect(result.parameters).toMatchObject({ unlearnedClasses: '0', flaggedClasses: '0', unlearnFraction: 0.2 });
    const after = await rates(result.model, fixture.test, fixture.triggeredTest);
    // The same run without stamped images (plain fine-tuning) leaves part of the backdoor in place.
    const plain = await neuralCleanseRepair(fixture.model, fixture.trusted, { ...options, unlearnFraction: 0 });
    const plainRates = await rates(plain.model, fixture.test, fixture.triggeredTest);
    expect(after.asr).toBeLessThan(0.05);
    expect(after.asr).toBeLessThan(plainRates.asr - 0.1);
    expect(after.cda).toBeGreaterThan(0.9);
    result.model.dispose();
    plain.model.dispose();
  });

  it('keeps the defaults small enough for a CPU (10 classes x 100 steps of 32 images)', () => {
    expect(NEURAL_CLEANSE_DEFAULTS).toMatchObject({ steps: 100, batchSize: 32, initialLambda: 1e-3, anomalyThreshold: 2 });
  });
});
