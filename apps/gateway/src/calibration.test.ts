import type { schema } from '@antidote/db';
import { describe, expect, it } from 'vitest';
import { calibrationText, findingCalibration } from './calibration.ts';

type FindingRow = typeof schema.findings.$inferSelect;
const finding = (overrides: Partial<FindingRow>): FindingRow =>
  ({ kind: 'detection', threshold: 0.4, details: {}, ...overrides }) as FindingRow;

describe('finding calibration', () => {
  it('reads the stored calibration of a detection', () => {
    const f = finding({
      details: {
        calibration: {
          status: 'calibrated',
          pValue: 0.004,
          falsePositiveRate: 0.05,
          referenceCount: 9,
          referenceSource: 'in-scan',
          verdict: 'backdoored',
        },
      },
    });
    expect(findingCalibration(f)).toEqual({
      status: 'CALIBRATED',
      pValue: 0.004,
      falsePositiveRate: 0.05,
      referenceCount: 9,
      referenceSource: 'IN_SCAN',
      note: null,
    });
    expect(calibrationText(f)).toBe(
      "p = 0.0040 against the model's 9 other classes (in-scan reference); backdoored when p < 0.05 (the false-positive rate)",
    );
  });

  it('marks the fixed-band fallback and findings from before calibration "uncalibrated"', () => {
    const fallback = finding({
      details: {
        calibration: {
          status: 'uncalibrated',
          pValue: null,
          falsePositiveRate: 0.05,
          referenceCount: 0,
          referenceSource: 'fixed-bands',
          note: 'only 3 classes checked',
        },
      },
    });
    expect(findingCalibration(fallback)).toMatchObject({ status: 'UNCALIBRATED', referenceSource: 'FIXED_BANDS', pValue: null });
    expect(calibrationText(fallback)).toBe('UNCALIBRATED: fixed score bands (threshold 0.4); only 3 classes checked');
    expect(findingCalibration(finding({}))).toMatchObject({ status: 'UNCALIBRATED', note: 'scanned before calibrated verdicts' });
  });

  it('has none for a repair', () => {
    expect(findingCalibration(finding({ kind: 'repair' }))).toBeNull();
    expect(calibrationText(finding({ kind: 'repair' }))).toBeNull();
  });
});
