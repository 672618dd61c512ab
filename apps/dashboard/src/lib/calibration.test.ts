import { describe, expect, it } from 'vitest';
import { calibrationLabel, type FindingCalibrationView } from './calibration';

const calibrated: FindingCalibrationView = {
  status: 'CALIBRATED',
  pValue: 0.0123,
  falsePositiveRate: 0.05,
  referenceCount: 9,
  referenceSource: 'IN_SCAN',
  note: null,
};

describe('calibrationLabel', () => {
  it('gives the p-value and its reference for a calibrated verdict', () => {
    const label = calibrationLabel(calibrated);
    expect(label).toMatchObject({ short: 'p = 0.012 · 9 classes', uncalibrated: false });
    expect(label?.title).toMatch(/against its 9 other classes; backdoored when p < 0.05/);
    expect(calibrationLabel({ ...calibrated, referenceSource: 'FAMILY', referenceCount: 12, pValue: 0.0001 })?.short).toBe(
      'p < 0.001 · 12 clean',
    );
  });

  it('labels the fixed-band fallback "uncalibrated", with the reason', () => {
    const label = calibrationLabel({
      ...calibrated,
      status: 'UNCALIBRATED',
      pValue: null,
      referenceCount: 0,
      referenceSource: 'FIXED_BANDS',
      note: 'only 3 classes checked',
    });
    expect(label).toMatchObject({ short: 'uncalibrated', uncalibrated: true });
    expect(label?.title).toMatch(/fixed score bands.*only 3 classes checked/);
  });

  it('says nothing for a repair (no calibration)', () => {
    expect(calibrationLabel(null)).toBeNull();
  });
});
