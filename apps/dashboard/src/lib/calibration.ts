import type { CalibrationFieldsFragment } from '@/lib/graphql/generated';

/** A finding's calibration as the dashboard selects it (the CalibrationFields fragment). */
export type FindingCalibrationView = CalibrationFieldsFragment;

/**
 * A detection's calibration in words: the short label beside the score and the longer title. A
 * verdict from the fixed bands always says "uncalibrated", so it cannot pass for a calibrated one.
 */
export function calibrationLabel(
  c: FindingCalibrationView | null,
): { short: string; title: string; uncalibrated: boolean } | null {
  if (!c) return null;
  if (c.status === 'UNCALIBRATED') {
    return {
      short: 'uncalibrated',
      title: `Uncalibrated: the fixed score bands decided${c.note ? ` (${c.note})` : ''}; no reference of this model's family applied.`,
      uncalibrated: true,
    };
  }
  const p = c.pValue === null ? '—' : c.pValue < 0.001 ? '< 0.001' : c.pValue.toPrecision(2);
  const reference =
    c.referenceSource === 'FAMILY' ? `${c.referenceCount} clean models of its family` : `its ${c.referenceCount} other classes`;
  const rate = c.falsePositiveRate === null ? '' : `; backdoored when p < ${c.falsePositiveRate}`;
  const pPhrase = `p ${p.startsWith('<') ? p : `= ${p}`}`;
  return {
    short: `${pPhrase} · ${c.referenceSource === 'FAMILY' ? `${c.referenceCount} clean` : `${c.referenceCount} classes`}`,
    title: `Calibrated: ${pPhrase}, the chance a clean model scores this high, against ${reference}${rate}.`,
    uncalibrated: false,
  };
}
