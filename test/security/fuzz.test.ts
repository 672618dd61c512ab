/** The upload parsers under a fixed-seed fuzz run (CI); `npm run fuzz` runs longer. */
import { describe, expect, it } from 'vitest';
import { runFuzz } from './fuzz.ts';

describe('upload parser fuzzing (fixed seed)', () => {
  it('ends every mutated archive in a result or a typed error, each within 5 s', async () => {
    const report = await runFuzz(20_201, 150);
    console.log(
      `fuzz: ${report.cases} cases, ${report.typedErrors} typed errors, ${report.accepted} accepted, slowest ${Math.round(report.slowestMs)} ms`,
    );
    expect(report.cases).toBe(600);
    expect(report.failures).toEqual([]);
  });
});
