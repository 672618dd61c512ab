/**
 * The efficacy benchmark's `--quick --check` run, so CI catches a science regression: one BadNets
 * victim and one clean model (tiny-cnn), fine-tuning vs Pivotal Tuning, CTI on both. The bars are
 * the benchmark's own (bench/efficacy.ts `--check`); this test only runs it from scratch and reads
 * what it wrote.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TRIGGER_INVERSION_DEFAULTS } from '@antidote/core/defenses';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = mkdtempSync(path.join(tmpdir(), 'antidote-bench-quick-'));

describe('bench:efficacy --quick', () => {
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('meets its bars: PT removes BadNets within the CDA budget and beats fine-tuning; CTI tells the backdoored model from the clean one', async () => {
    const result = await run(process.execPath, ['--import', 'tsx', 'bench/efficacy.ts', '--quick', '--check', '--out', out], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`the quick benchmark failed its bars or crashed:\n${error.stdout ?? ''}\n${error.stderr ?? error.message}`);
    });
    expect(result.stdout).toMatch(/\d+ checks passed, 0 failed/);
    const figures = JSON.parse(readFileSync(path.join(out, 'efficacy-quick.json'), 'utf8')) as {
      quick: boolean;
      model: string;
      summary: { attack: string; defense: string; runs: number }[];
      detection: { detector: string; clean: number; poisoned: number }[];
    };
    expect(figures.quick).toBe(true);
    expect(figures.model).toBe('tiny-cnn');
    expect(figures.summary.filter((s) => s.runs > 0).map((s) => s.defense)).toEqual(['none', 'fine-tuning', 'pivotal-tuning']);
    // CTI with core's default shapes, each shape alone and the other combination rule, from the same inversions.
    expect(figures.detection.map((d) => d.detector)).toEqual([
      'cti',
      ...TRIGGER_INVERSION_DEFAULTS.triggerFamilies.map((f) => `cti-${f}`),
      'cti-max',
    ]);
    expect(figures.detection[0]).toMatchObject({ detector: 'cti', clean: 1, poisoned: 1 });
  }, 600_000);
});
