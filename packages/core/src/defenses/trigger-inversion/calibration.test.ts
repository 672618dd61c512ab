import { describe, expect, it } from 'vitest';
import {
  CALIBRATION_DEFAULTS,
  calibrateScan,
  inScanPValue,
  normalUpperTail,
  referencePValue,
  studentUpperTail,
} from './calibration.ts';

const reference = {
  family: 'tiny-cnn:28x28x1:mnist',
  settings: 'cti:patch+warp',
  cleanScores: [0.1, 0.15, 0.2, 0.25, 0.3],
  source: 'bench',
};

describe('normalUpperTail', () => {
  it('matches the standard normal table', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 6);
    expect(normalUpperTail(1.6448536)).toBeCloseTo(0.05, 6);
    expect(normalUpperTail(2.3263479)).toBeCloseTo(0.01, 6);
    expect(normalUpperTail(-1.959964)).toBeCloseTo(0.975, 6);
  });
});

describe('referencePValue', () => {
  it('empirical: (1 + #clean >= score) / (1 + n)', () => {
    expect(referencePValue(0.22, reference.cleanScores, 'empirical')).toBeCloseTo(3 / 6);
    expect(referencePValue(0.9, reference.cleanScores, 'empirical')).toBeCloseTo(1 / 6);
    expect(referencePValue(0.0, reference.cleanScores, 'empirical')).toBe(1);
  });

  it('normal: the upper tail of a normal fitted to the clean scores', () => {
    // mean 0.2, sample sd 0.0790569
    expect(referencePValue(0.2, reference.cleanScores, 'normal')).toBeCloseTo(0.5, 6);
    expect(referencePValue(0.2 + 0.0790569 * 1.6448536, reference.cleanScores, 'normal')).toBeCloseTo(0.05, 4);
    // identical clean scores: the sd floor keeps the p-value finite and ordered
    const tied = [0.1, 0.1, 0.1, 0.1, 0.1];
    expect(referencePValue(0.1 + CALIBRATION_DEFAULTS.referenceScaleFloor, tied, 'normal')).toBeCloseTo(normalUpperTail(1), 6);
  });
});

describe('inScanPValue', () => {
  it('is small when one class stands out of alike classes, and 1 when none does', () => {
    const lone = [0.8, 0.01, -0.02, 0.03, 0, -0.01, 0.02, 0, 0.01, -0.03];
    expect(inScanPValue(lone)).toBeLessThan(1e-6);
    const flat = [0.02, 0.01, -0.02, 0.03, 0, -0.01, 0.02, 0, 0.01, -0.03];
    expect(inScanPValue(flat)).toBeGreaterThan(0.2);
  });

  it('reads the top against the others robustly: K times the normal tail of (top - median) / (1.4826 MAD)', () => {
    // others: median 0, |deviations| 0.1 x 4 + 0 -> MAD 0.1
    const scores = [0, 0.1, -0.1, 0.5, 0.1, -0.1];
    const z = 0.5 / (1.4826 * 0.1);
    expect(inScanPValue(scores)).toBeCloseTo(6 * normalUpperTail(z), 8);
    // a wider spread of the other classes makes the same top less surprising
    expect(inScanPValue([0, 0.2, -0.2, 0.5, 0.2, -0.2])).toBeGreaterThan(inScanPValue(scores));
  });
});

describe('calibrateScan', () => {
  const classScores = [0.02, 0.01, -0.02, 0.03, 0, -0.01, 0.02, 0, 0.01, -0.03];
  const bands = { threshold: 0.4, suspiciousThreshold: 0.3 };

  it('reads the score against a family reference that applies', () => {
    const c = calibrateScan({ score: 0.5, classScores, reference, settings: reference.settings, fixedBands: bands });
    expect(c).toMatchObject({ status: 'calibrated', referenceSource: 'family', referenceCount: 5, falsePositiveRate: 0.05 });
    expect(c.pValue).toBeCloseTo(referencePValue(0.5, reference.cleanScores, CALIBRATION_DEFAULTS.referenceFit), 10);
    expect(c.verdict).toBe('backdoored');
  });

  it('gives another p-value for another reference (the reference is read, not ignored)', () => {
    const high = { ...reference, cleanScores: [0.4, 0.45, 0.5, 0.55, 0.6] };
    const low = calibrateScan({ score: 0.5, classScores, reference, fixedBands: bands });
    const raised = calibrateScan({ score: 0.5, classScores, reference: high, fixedBands: bands });
    expect(raised.pValue).toBeCloseTo(0.5, 6);
    expect(raised.pValue).toBeGreaterThan((low.pValue ?? 1) * 10);
    expect(low.verdict).toBe('backdoored');
    expect(raised.verdict).toBe('clean');
  });

  it('skips a reference of another family, other settings or too few models, and says why', () => {
    for (const [ref, why] of [
      [{ ...reference, family: 'small-cnn:28x28x1:mnist' }, /family/],
      [{ ...reference, settings: 'cti:additive' }, /settings/],
      [{ ...reference, cleanScores: [0.1, 0.2] }, /fewer than/],
    ] as const) {
      const c = calibrateScan({
        score: 0.5,
        classScores,
        reference: ref,
        family: reference.family,
        settings: reference.settings,
        fixedBands: bands,
      });
      expect(c.referenceSource).not.toBe('family');
      expect(c.note).toMatch(why);
    }
  });

  it('reads the scan against its own classes when asked to', () => {
    const lone = [0.6, ...classScores.slice(1)];
    const c = calibrateScan({ score: 0.6, classScores: lone, fixedBands: bands, withoutReference: 'in-scan' });
    expect(c).toMatchObject({ status: 'calibrated', referenceSource: 'in-scan', referenceCount: 9, verdict: 'backdoored' });
    expect(c.pValue).toBeCloseTo(inScanPValue(lone), 12);
    expect(calibrateScan({ score: 0.02, classScores, fixedBands: bands, withoutReference: 'in-scan' }).verdict).toBe('clean');
    // too few classes for a median and a spread: the bands decide
    const few = calibrateScan({ score: 0.35, classScores: [0.35, 0, 0.1], fixedBands: bands, withoutReference: 'in-scan' });
    expect(few).toMatchObject({ status: 'uncalibrated', referenceSource: 'fixed-bands' });
  });

  it('without a family reference falls back to the fixed bands, marked uncalibrated', () => {
    const none = calibrateScan({ score: 0.35, classScores: [0.35, ...classScores.slice(1)], fixedBands: bands });
    expect(none).toMatchObject({
      status: 'uncalibrated',
      pValue: null,
      referenceCount: 0,
      referenceSource: 'fixed-bands',
      verdict: 'suspicious',
      note: 'no family reference given',
    });
    expect(calibrateScan({ score: 0.41, classScores: null, fixedBands: bands }).verdict).toBe('backdoored');
    const given = calibrateScan({ score: 0.2, classScores, reference, fixedBands: bands, useFixedBands: true });
    expect(given).toMatchObject({ status: 'uncalibrated', verdict: 'clean', note: 'threshold set by the caller' });
  });

  it('holds the verdict to the stated false-positive rate', () => {
    const p = referencePValue(0.33, reference.cleanScores, CALIBRATION_DEFAULTS.referenceFit);
    expect(calibrateScan({ score: 0.33, classScores, reference, falsePositiveRate: p * 1.01 }).verdict).toBe('backdoored');
    expect(calibrateScan({ score: 0.33, classScores, reference, falsePositiveRate: p * 0.99 }).verdict).not.toBe('backdoored');
    expect(() => calibrateScan({ score: 0.3, classScores, falsePositiveRate: 0 })).toThrow(/falsePositiveRate/);
  });
});

describe('studentUpperTail', () => {
  it('matches the t table and tends to the normal', () => {
    expect(studentUpperTail(2.353, 3)).toBeCloseTo(0.05, 3);
    expect(studentUpperTail(2.132, 4)).toBeCloseTo(0.05, 3);
    expect(studentUpperTail(-2.132, 4)).toBeCloseTo(0.95, 3);
    expect(studentUpperTail(0, 7)).toBeCloseTo(0.5, 10);
    expect(studentUpperTail(1.6448536, 1e6)).toBeCloseTo(0.05, 4);
  });

  it('makes a small reference less sure than the normal fit', () => {
    const scores = [0.1, 0.15, 0.2, 0.25, 0.3];
    expect(referencePValue(0.45, scores, 'student')).toBeGreaterThan(referencePValue(0.45, scores, 'normal'));
    const t = (0.45 - 0.2) / (0.0790569 * Math.sqrt(1.2));
    expect(referencePValue(0.45, scores, 'student')).toBeCloseTo(studentUpperTail(t, 4), 5);
  });
});
