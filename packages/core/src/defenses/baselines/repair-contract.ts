/**
 * The checks every baseline repair must pass (used by the *.test.ts files, not exported from the
 * package): a new model, the suspect untouched, validation accuracy reported within budget, no
 * tensors left behind, ordered progress, and cancellation within one step.
 */
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { isAntidoteError } from '../../errors.ts';
import type { DefenseProgress, RepairResult } from '../types.ts';
import { type BackdooredFixture, orderedPhases, weightValues } from './test-fixtures.ts';

export type RepairRun = (
  fixture: BackdooredFixture,
  extra: { signal?: AbortSignal; onProgress?: (p: DefenseProgress) => void | Promise<void> },
) => Promise<RepairResult>;

export function repairContract(
  getFixture: () => BackdooredFixture,
  run: RepairRun,
  expected: { defense: RepairResult['defense']; phases: string[]; accuracyBudget: number },
): void {
  it('returns a new, trained model, leaves the suspect untouched, reports accuracy and leaks no tensors', async () => {
    const fixture = getFixture();
    const suspectWeights = await weightValues(fixture.model);
    const before = tf.memory().numTensors;
    const events: DefenseProgress[] = [];
    const result = await run(fixture, { onProgress: (p) => void events.push(p) });

    expect(result.defense).toBe(expected.defense);
    expect(result.model).not.toBe(fixture.model);
    expect(await weightValues(fixture.model)).toEqual(suspectWeights);
    expect(result.steps).toBeGreaterThan(0);
    expect(await weightValues(result.model)).not.toEqual(suspectWeights);
    expect(result.validationAccuracyBefore).toBeGreaterThan(0.9);
    expect(result.validationAccuracyAfter).toBeGreaterThanOrEqual(result.validationAccuracyBefore - expected.accuracyBudget);
    expect(result.validationAccuracyAfter).toBeLessThanOrEqual(1);
    expect(result.seconds).toBeGreaterThan(0);
    expect(result.parameters.accuracyBudget).toBe(expected.accuracyBudget);
    expect(orderedPhases(events)).toEqual(expected.phases);

    result.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('throws CANCELLED for an already-aborted signal, without leaking', async () => {
    const fixture = getFixture();
    const before = tf.memory().numTensors;
    const events: DefenseProgress[] = [];
    const run0 = run(fixture, { signal: AbortSignal.abort(), onProgress: (p) => void events.push(p) });
    await expect(run0).rejects.toSatisfy((e) => isAntidoteError(e, 'CANCELLED'));
    expect(events).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops within one step when cancelled mid-run, without leaking', async () => {
    const fixture = getFixture();
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const events: DefenseProgress[] = [];
    const running = run(fixture, {
      signal: controller.signal,
      onProgress: (p) => {
        events.push(p);
        if (events.length === 1) controller.abort();
      },
    });
    await expect(running).rejects.toSatisfy((e) => isAntidoteError(e, 'CANCELLED'));
    // Nothing reported after the abort: the next step (or check) threw.
    expect(events).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(before);
  });
}
