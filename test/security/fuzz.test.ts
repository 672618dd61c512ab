/** The upload parsers under a fixed-seed fuzz run (CI); `npm run fuzz` runs longer. */
import { describe, expect, it } from 'vitest';
import { runFuzz } from './fuzz.ts';

describe('upload parser fuzzing (fixed seed)', () => {
  it('ends every mutated file in a result or a typed error, each within 5 s', { timeout: 900_000 }, async () => {
    const report = await runFuzz(20_201, 150);
    console.log(
      `fuzz: ${report.cases} cases, ${report.typedErrors} typed errors, ${report.accepted} accepted, ${report.deadlines} ended at the deadline, slowest ${Math.round(report.slowestMs)} ms`,
      JSON.stringify(report.perTarget),
    );
    expect(report.cases).toBe(7 * 150);
    for (const target of ['parseOnnx', 'inspect(.keras)', 'inspect(.h5)'])
      expect(report.perTarget[target]?.cases, target).toBe(150);
    expect(report.failures).toEqual([]);
  });
});
