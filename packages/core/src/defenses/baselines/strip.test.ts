import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAntidoteError } from '../../errors.ts';
import { initRuntime } from '../../runtime/backend.ts';
import type { DefenseProgress } from '../types.ts';
import { normalQuantile, stripDetector, stripEntropy, stripThreshold } from './strip.ts';
import { type BackdooredFixture, backdooredFixture } from './test-fixtures.ts';

const mean = (values: ArrayLike<number>) => Array.from(values).reduce((s, v) => s + v, 0) / values.length;

describe('STRIP calibration maths', () => {
  it('normal quantiles match tables', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });

  it('thresholds: normal fit mean + std * z, or the k-th smallest value', () => {
    const values = [1, 2, 3, 4, 5];
    // mean 3, sample std sqrt(2.5)
    expect(stripThreshold(values, 0.01, 'normal')).toBeCloseTo(3 - Math.sqrt(2.5) * 2.326348, 4);
    expect(stripThreshold([5, 4, 3, 2, 1], 0.4, 'empirical')).toBe(3);
    expect(() => stripThreshold(values, 0, 'normal')).toThrow();
  });
});

describe('STRIP on a backdoored model', () => {
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

  it('gives triggered inputs lower blend entropy than clean ones, reproducibly and without leaks', async () => {
    const before = tf.memory().numTensors;
    const clean = await stripEntropy(fixture.model, fixture.test, fixture.trusted, { seed: 1 });
    const triggered = await stripEntropy(fixture.model, fixture.triggeredTest, fixture.trusted, { seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(clean).toHaveLength(fixture.test.labels.length);
    expect(triggered).toHaveLength(fixture.triggeredTest.labels.length);
    for (const e of [...clean, ...triggered]) {
      expect(e).toBeGreaterThanOrEqual(0);
      expect(e).toBeLessThanOrEqual(Math.log2(3) + 1e-5);
    }
    expect(mean(triggered)).toBeLessThan(mean(clean) - 0.2);
    expect(await stripEntropy(fixture.model, fixture.test, fixture.trusted, { seed: 1 })).toEqual(clean);
  });

  it('the detector flags far more triggered inputs than clean ones at a 1% false-rejection rate', async () => {
    const events: DefenseProgress[] = [];
    const detector = await stripDetector(fixture.model, fixture.trusted, { seed: 2, onProgress: (p) => void events.push(p) });
    expect(events.map((e) => e.phase)).toEqual(['calibrate']);
    expect(detector.parameters).toMatchObject({ falseRejectionRate: 0.01, overlays: 20, alpha: 0.5, calibration: 'normal' });
    expect(detector.threshold).toBeLessThan(detector.cleanEntropy.mean);
    const clean = await detector.classify(fixture.test);
    const triggered = await detector.classify(fixture.triggeredTest);
    expect(clean.flaggedFraction).toBeLessThanOrEqual(0.1);
    expect(triggered.flaggedFraction).toBeGreaterThan(0.5);
    expect(triggered.flagged.every((f, i) => f === (triggered.entropy[i]! < detector.threshold ? 1 : 0))).toBe(true);
  });

  it('throws CANCELLED for an aborted signal', async () => {
    const before = tf.memory().numTensors;
    await expect(
      stripEntropy(fixture.model, fixture.test, fixture.trusted, { seed: 1, signal: AbortSignal.abort() }),
    ).rejects.toSatisfy((e) => isAntidoteError(e, 'CANCELLED'));
    await expect(stripDetector(fixture.model, fixture.trusted, { seed: 1, signal: AbortSignal.abort() })).rejects.toSatisfy((e) =>
      isAntidoteError(e, 'CANCELLED'),
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
