import { describe, expect, it } from 'vitest';
import { scanParams } from './catalog.ts';

const base = { modelVersionId: '00000000-0000-4000-8000-000000000001', datasetId: '00000000-0000-4000-8000-000000000002' };

describe('scanParams calibration', () => {
  it('takes a family reference and a false-positive rate', () => {
    const reference = { family: 'tiny-cnn:28x28x1:mnist', settings: 'cti:patch+warp', cleanScores: [0.1, 0.2, 0.3, 0.2, 0.25] };
    expect(scanParams.parse({ ...base, reference, falsePositiveRate: 0.01 })).toMatchObject({
      reference,
      falsePositiveRate: 0.01,
    });
  });

  it('refuses a reference without scores, scores outside [-1, 1], unknown fields and a rate of 0 or 1', () => {
    const reference = { family: 'f', settings: 's', cleanScores: [0.1] };
    expect(scanParams.safeParse({ ...base, reference: { ...reference, cleanScores: [] } }).success).toBe(false);
    expect(scanParams.safeParse({ ...base, reference: { ...reference, cleanScores: [2] } }).success).toBe(false);
    expect(scanParams.safeParse({ ...base, reference: { ...reference, extra: 1 } }).success).toBe(false);
    expect(scanParams.safeParse({ ...base, falsePositiveRate: 0 }).success).toBe(false);
    expect(scanParams.safeParse({ ...base, falsePositiveRate: 1 }).success).toBe(false);
  });
});
