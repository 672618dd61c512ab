/**
 * A detection finding's calibration (stored by the worker in `details.calibration`), for the API
 * and the report. Findings from before calibration were read against the fixed bands: they show
 * as uncalibrated rather than as nothing, so no verdict reads as calibrated when it was not.
 */
import type { schema } from '@antidote/db';

type FindingRow = typeof schema.findings.$inferSelect;

export interface FindingCalibration {
  status: 'CALIBRATED' | 'UNCALIBRATED';
  pValue: number | null;
  falsePositiveRate: number | null;
  referenceCount: number;
  referenceSource: 'FAMILY' | 'IN_SCAN' | 'FIXED_BANDS';
  note: string | null;
}

const SOURCES = { family: 'FAMILY', 'in-scan': 'IN_SCAN', 'fixed-bands': 'FIXED_BANDS' } as const;
const finiteOrNull = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function findingCalibration(f: FindingRow): FindingCalibration | null {
  if (f.kind !== 'detection') return null;
  const stored = f.details.calibration as Record<string, unknown> | undefined;
  const source = SOURCES[String(stored?.referenceSource) as keyof typeof SOURCES];
  if (!stored || !source || stored.status !== 'calibrated' || finiteOrNull(stored.pValue) === null) {
    return {
      status: 'UNCALIBRATED',
      pValue: null,
      falsePositiveRate: finiteOrNull(stored?.falsePositiveRate),
      referenceCount: 0,
      referenceSource: 'FIXED_BANDS',
      note: typeof stored?.note === 'string' ? stored.note : stored ? null : 'scanned before calibrated verdicts',
    };
  }
  return {
    status: 'CALIBRATED',
    pValue: finiteOrNull(stored.pValue),
    falsePositiveRate: finiteOrNull(stored.falsePositiveRate),
    referenceCount: typeof stored.referenceCount === 'number' ? stored.referenceCount : 0,
    referenceSource: source,
    note: typeof stored.note === 'string' ? stored.note : null,
  };
}

/** The calibration in one line: the p-value and its reference, or the visible "uncalibrated" label. */
export function calibrationText(f: FindingRow): string | null {
  const c = findingCalibration(f);
  if (!c) return null;
  if (c.status === 'UNCALIBRATED') {
    return `UNCALIBRATED: fixed score bands (threshold ${f.threshold ?? '—'})${c.note ? `; ${c.note}` : ''}`;
  }
  const against =
    c.referenceSource === 'FAMILY'
      ? `${c.referenceCount} clean models of the model's family`
      : `the model's ${c.referenceCount} other classes (in-scan reference)`;
  return `p = ${c.pValue?.toPrecision(2)} against ${against}; backdoored when p < ${c.falsePositiveRate ?? '—'} (the false-positive rate)`;
}
