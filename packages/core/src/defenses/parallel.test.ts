import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThreadPool } from '../parallel/pool.ts';
import { initRuntime } from '../runtime/backend.ts';
import { fineTuning } from './baselines/fine-tuning.ts';
import { type BackdooredFixture, backdooredFixture, rates, weightValues } from './baselines/test-fixtures.ts';
import { pivotalTuning } from './pivotal-tuning.ts';

// Thread start-up compiles core with tsx and loads tfjs: minutes on a loaded machine.
const SLOW = 600_000;

const maxDifference = (a: number[][], b: number[][]) =>
  Math.max(...a.flatMap((w, i) => w.map((v, j) => Math.abs(v - (b[i]?.[j] ?? Number.NaN)))));

describe('repairs on compute threads', { timeout: SLOW }, () => {
  let fixture: BackdooredFixture;
  let one: ThreadPool;
  let two: ThreadPool;
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
    fixture = await backdooredFixture();
    one = await ThreadPool.start({ threads: 1, backend: 'wasm' });
    two = await ThreadPool.start({ threads: 2, backend: 'wasm' });
  }, SLOW);
  afterAll(async () => {
    fixture?.model.dispose();
    await one?.close();
    await two?.close();
  });

  it('builds the same loss on a thread as here: one thread trains the same weights', async () => {
    // Every term on (mixed pairs, patches, SLOL, head shift, parameter budget); the final weights
    // are compared, so no budget decision can hide a difference.
    const options = {
      seed: 2,
      steps: 12,
      batchSize: 32,
      evaluateEvery: 6,
      select: 'final',
      accuracyBudget: 1,
      noisePatches: 0.5,
      distillMixup: 2,
      lambdaParam: 1e5,
      retry: null,
    } as const;
    const serial = await pivotalTuning(fixture.model, fixture.trusted, options);
    const threaded = await pivotalTuning(fixture.model, fixture.trusted, { ...options, pool: one });
    const [a, b] = [await weightValues(serial.model), await weightValues(threaded.model)];
    expect(serial.steps).toBe(12);
    expect(maxDifference(a, await weightValues(fixture.model))).toBeGreaterThan(1e-3);
    expect(maxDifference(a, b)).toBeLessThan(1e-4);
    serial.model.dispose();
    threaded.model.dispose();
  });

  it('fine-tuning (cross-entropy with weight decay) builds its loss on a thread too', async () => {
    const options = { seed: 4, steps: 12, batchSize: 32, evaluateEvery: 6, accuracyBudget: 1, weightDecay: 0.05 };
    const serial = await fineTuning(fixture.model, fixture.trusted, options);
    const threaded = await fineTuning(fixture.model, fixture.trusted, { ...options, pool: one });
    const [a, b] = [await weightValues(serial.model), await weightValues(threaded.model)];
    expect(maxDifference(a, await weightValues(fixture.model))).toBeGreaterThan(1e-3);
    expect(maxDifference(a, b)).toBeLessThan(1e-4);
    serial.model.dispose();
    threaded.model.dispose();
  });

  it('repairs the planted backdoor on two threads, repeats exactly, and leaks nothing', async () => {
    const options = { seed: 3, steps: 80, batchSize: 32, evaluateEvery: 20, noisePatches: 0.5, distillMixup: 0, pool: two };
    const tensors = tf.memory().numTensors;
    const threadMemory = async () => (await two.broadcast<{ numTensors: number }>('memory', {})).map((m) => m.numTensors);
    const threadTensors = await threadMemory();
    const first = await pivotalTuning(fixture.model, fixture.trusted, options);
    const after = await rates(first.model, fixture.test, fixture.triggeredTest);
    expect(after.asr).toBeLessThan(fixture.asr - 0.3);
    expect(after.cda).toBeGreaterThan(fixture.cda - 0.05);
    const again = await pivotalTuning(fixture.model, fixture.trusted, options);
    expect(await weightValues(again.model)).toEqual(await weightValues(first.model));
    first.model.dispose();
    again.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    // Each run's replicas of the working model and the pivot were released on every thread.
    expect(await threadMemory()).toEqual(threadTensors);
  });
});
