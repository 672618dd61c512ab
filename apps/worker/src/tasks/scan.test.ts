import { CALIBRATION_DEFAULTS, referencePValue } from '@antidote/core/defenses';
import { isAntidoteError } from '@antidote/core/errors';
import { RUNTIME_BASE_BYTES } from '@antidote/core/models';
import { tf } from '@antidote/core/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskEstimate, TaskProgress } from './common.ts';
import {
  CTI_DEFAULT_THRESHOLD,
  CTI_EXTRA_FAMILIES_DEFAULT_SUSPICIOUS,
  CTI_EXTRA_FAMILIES_DEFAULT_THRESHOLD,
  calibrationSettingsKey,
  runScan,
  type ScanCheckpoint,
  scanVerdict,
  stretchContrast,
  triggerToPng,
} from './scan.ts';
import { ATTACK, type TaskFixture, taskFixture } from './test-fixtures.ts';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Uint8Array): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(Array.from(bytes.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
  return [view.getUint32(16), view.getUint32(20)];
}

const FAST = { steps: 30, repairSteps: 60, batchSize: 32, seed: 1 };

describe('runScan', () => {
  let fixture: TaskFixture;
  beforeAll(async () => {
    fixture = await taskFixture({ backdoored: true, seed: 11 });
  });
  afterAll(() => fixture.model.dispose());

  it('reports score, verdict, target, trigger, CDA and ASR consistently, with progress and no leaks', async () => {
    const before = tf.memory().numTensors;
    const events: TaskProgress[] = [];
    const result = await runScan({
      model: fixture.modelBytes,
      trusted: fixture.trustedBytes,
      options: { ...FAST, knownAttack: ATTACK },
      onProgress: (e) => void events.push(e),
    });
    expect(result.method).toBe('cti');
    // The default scan inverts patch and warp triggers, centred, against their own threshold.
    expect(result.params).toMatchObject({ triggerFamilies: 'patch,warp', combine: 'centred' });
    expect(result.threshold).toBe(CTI_EXTRA_FAMILIES_DEFAULT_THRESHOLD);
    expect(result.perClassScores).toHaveLength(3);
    expect(Math.max(...result.perClassScores)).toBe(result.score);
    // CTI's efficacy is measured by the benchmark (on this toy task its scores say little); the
    // task must turn whatever score it gets into a consistent report.
    expect(result.verdict).toBe(scanVerdict(result.score, result.threshold, CTI_EXTRA_FAMILIES_DEFAULT_SUSPICIOUS));
    // Three classes leave too few for the in-scan reference and no family reference was given:
    // the fixed bands decided, and the result says it is uncalibrated.
    expect(result.calibration).toMatchObject({
      status: 'uncalibrated',
      pValue: null,
      referenceCount: 0,
      referenceSource: 'fixed-bands',
      verdict: result.verdict,
    });
    if (result.verdict === 'clean') {
      expect(result.suspectedTarget).toBeNull();
      expect(result.triggerPng).toBeNull();
    } else {
      expect(result.perClassScores[result.suspectedTarget!]).toBe(result.score);
      expect(pngSize(result.triggerPng!)).toEqual([96, 96]);
    }
    expect(result.params.inconclusive).toBe(result.params.referenceStep === 0);
    expect(result.cda).toBeGreaterThan(0.9);
    expect(result.asr).toBeGreaterThan(0.8);
    expect(result.durationMs).toBeGreaterThan(0);
    expect(result.params).toMatchObject({ steps: 30, repairSteps: 60, candidateClasses: [0, 1, 2], seed: 1 });
    // Progress: overall share never decreases and ends at 1; both CTI phases are reported.
    const shares = events.map((e) => e.progress);
    expect([...shares].sort((a, b) => a - b)).toEqual(shares);
    expect(shares.at(-1)).toBe(1);
    expect(new Set(events.map((e) => e.phase))).toEqual(new Set(['load', 'reference-repair', 'invert', 'evaluate']));
    expect(events.filter((e) => e.phase === 'invert').map((e) => e.step)).toEqual([1, 2, 3]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('estimates its time and memory before the long work, within a factor of 4 of the measured scan', async () => {
    const order: string[] = [];
    const estimates: TaskEstimate[] = [];
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    const result = await runScan({
      model: fixture.modelBytes,
      trusted: fixture.trustedBytes,
      options: FAST,
      onProgress: (e) => void order.push(e.phase),
      onEstimate: async (e) => {
        order.push('estimate');
        estimates.push(e);
      },
    }).finally(() => clearInterval(sampler));
    expect(estimates).toHaveLength(1);
    const [estimate] = estimates as [TaskEstimate];
    // Before the reference repair and the inversions, after loading.
    expect(order.indexOf('estimate')).toBeLessThan(order.indexOf('reference-repair'));
    expect(order.indexOf('estimate')).toBeGreaterThan(order.indexOf('load'));
    const measured = result.durationMs / 1000;
    console.info(
      `scan estimate ${estimate.seconds.toFixed(1)} s vs measured ${measured.toFixed(1)} s; peak ${(estimate.peakBytes / 2 ** 20).toFixed(0)} MB estimated vs RSS ${(peakRss / 2 ** 20).toFixed(0)} MB (test process); ${(estimate.flopsPerSecond / 1e9).toFixed(2)} GFLOP/s`,
    );
    expect(estimate.seconds).toBeGreaterThan(measured / 4);
    expect(estimate.seconds).toBeLessThan(measured * 4);
    expect(estimate.peakBytes).toBeGreaterThan(peakRss / 4);
    expect(estimate.peakBytes).toBeLessThan(peakRss * 4);
    expect(result.params.estimatedSeconds).toBe(estimate.seconds);
  });

  it('splits the reference repair and the classes over compute threads, within noise of one thread', async () => {
    const scan = (threads: number) =>
      runScan({ model: fixture.modelBytes, trusted: fixture.trustedBytes, options: { ...FAST, steps: 10 }, threads });
    const one = await scan(1);
    const two = await scan(2);
    const again = await scan(2);
    expect(one.params.threads).toBe(1);
    // The test process runs wasm, so the scan starts its threads.
    expect(two.params.threads).toBe(2);
    // Each thread's share of a reference-repair batch draws its own noise patches and BatchNorm
    // statistics, so two threads give a slightly different reference, and a fixed count repeats.
    for (const [i, score] of two.perClassScores.entries())
      expect(Math.abs(score - (one.perClassScores[i] ?? 0))).toBeLessThan(0.15);
    expect(two.suspectedTarget).toBe(one.suspectedTarget);
    const heldOut = (r: typeof one) => r.params.referenceValidationAccuracy as number;
    expect(Math.abs(heldOut(two) - heldOut(one))).toBeLessThan(0.1);
    expect(again.perClassScores).toEqual(two.perClassScores);
    expect(heldOut(again)).toBe(heldOut(two));
  }, 600_000);

  it('checkpoints the reference and each class; resumed mid-scan it skips them and gives the same result', async () => {
    const options = { ...FAST, steps: 10 };
    const checkpoints: ScanCheckpoint[] = [];
    const full = await runScan({
      model: fixture.modelBytes,
      trusted: fixture.trustedBytes,
      options,
      onCheckpoint: async (c) => void checkpoints.push(c),
    });
    expect(checkpoints.map((c) => c.kind)).toEqual(['reference', 'class', 'class', 'class']);
    const [reference, firstClass] = checkpoints as [
      Extract<ScanCheckpoint, { kind: 'reference' }>,
      Extract<ScanCheckpoint, { kind: 'class' }>,
    ];
    // a worker restarted after the reference repair and one class
    const resumeFrom = {
      digest: reference.digest,
      reference: { archive: reference.archive, run: reference.run },
      classes: [firstClass.inversion],
    };
    const events: TaskProgress[] = [];
    const later: ScanCheckpoint[] = [];
    const resumed = await runScan({
      model: fixture.modelBytes,
      trusted: fixture.trustedBytes,
      options,
      resumeFrom,
      onProgress: (e) => void events.push(e),
      onCheckpoint: async (c) => void later.push(c),
    });
    expect(resumed.params.resumedClasses).toBe(1);
    // no reference training steps, and only the two classes left are inverted and saved
    expect(events.filter((e) => e.phase === 'reference-repair' && e.step !== undefined)).toEqual([]);
    expect(later.map((c) => (c.kind === 'class' ? c.inversion.target : c.kind))).toEqual(
      [0, 1, 2].filter((c) => c !== firstClass.inversion.target),
    );
    expect(resumed.perClassScores).toEqual(full.perClassScores);
    expect([resumed.score, resumed.verdict, resumed.suspectedTarget]).toEqual([full.score, full.verdict, full.suspectedTarget]);
    expect(resumed.triggerPng).toEqual(full.triggerPng);
    expect(resumed.params.referenceStep).toBe(full.params.referenceStep);

    // a checkpoint of other options (here the candidate classes) is not applied
    const other = await runScan({
      model: fixture.modelBytes,
      trusted: fixture.trustedBytes,
      options: { ...options, repairSteps: 10, candidateClasses: [firstClass.inversion.target] },
      resumeFrom,
    });
    expect(other.params.resumedClasses).toBe(0);
  }, 600_000);

  it('renders an inverted trigger as a contrast-stretched, upscaled PNG', () => {
    const pixels = Float32Array.from({ length: 12 * 12 }, (_, i) => 0.5 + (i % 2 ? 0.05 : -0.025));
    const stretched = stretchContrast(pixels);
    expect(Math.max(...stretched)).toBeCloseTo(1);
    expect(Math.min(...stretched)).toBeCloseTo(0.25);
    expect(stretchContrast(new Float32Array(4).fill(0.5))).toEqual(new Float32Array(4).fill(0.5));
    expect(pngSize(triggerToPng({ pixels, height: 12, width: 12, channels: 1 }))).toEqual([96, 96]);
  });

  it('shrinks its batches to fit the memory it is given, and refuses a model one image cannot fit', async () => {
    const options = { ...FAST, steps: 3, repairSteps: 6, candidateClasses: [0, 1] };
    const estimates: TaskEstimate[] = [];
    const whole = await runScan({
      model: fixture.modelBytes,
      trusted: fixture.trustedBytes,
      options,
      onEstimate: async (e) => void estimates.push(e),
    });
    expect(whole.params.batchScale).toBeUndefined();
    const full = (estimates[0] as TaskEstimate).peakBytes;
    // room for less than half of what the asked batches need beyond the runtime
    const memoryLimitBytes = (RUNTIME_BASE_BYTES + (full - RUNTIME_BASE_BYTES) / 2) / 0.8;
    const messages: string[] = [];
    const fitted = await runScan({
      model: fixture.modelBytes,
      trusted: fixture.trustedBytes,
      options,
      memoryLimitBytes,
      onEstimate: async (e) => void estimates.push(e),
      onProgress: (e) => void (e.message && messages.push(e.message)),
    });
    const scale = fitted.params.batchScale as number;
    expect(scale).toBeGreaterThan(0.1);
    expect(scale).toBeLessThan(0.7);
    expect(fitted.params.repairBatch).toBe(Math.floor(FAST.batchSize * scale));
    expect((estimates[1] as TaskEstimate).peakBytes).toBeLessThanOrEqual(fitted.params.memoryLimitBytes as number);
    expect(messages.some((m) => /Batches scaled to \d+%/.test(m))).toBe(true);
    // scores taken at shrunken batches are not those a family reference measured at the asked ones
    expect(fitted.params.calibrationSettings).toBe(
      `${whole.params.calibrationSettings}`.replace('batch=32', `batch=32x${scale}`),
    );
    const refused = await runScan({
      model: fixture.modelBytes,
      trusted: fixture.trustedBytes,
      options,
      memoryLimitBytes: RUNTIME_BASE_BYTES,
    }).catch((e: unknown) => e);
    expect(isAntidoteError(refused) && refused.code).toBe('TOO_LARGE');
  });

  it('reads the verdict against a family reference measured with its settings, and says when one does not apply', async () => {
    const options = { ...FAST, steps: 5, repairSteps: 10 };
    const settings = calibrationSettingsKey(
      { triggerFamilies: ['patch', 'warp'], steps: 5, repairSteps: 10, batchSize: 32, validationFraction: undefined },
      { height: fixture.trusted.height, width: fixture.trusted.width, channels: fixture.trusted.channels, classes: 3 },
    );
    const reference = { family: 'fixture', settings, cleanScores: [-0.3, -0.25, -0.2, -0.15, -0.1], source: 'test' };
    const result = await runScan({
      model: fixture.modelBytes,
      trusted: fixture.trustedBytes,
      options: { ...options, reference },
    });
    expect(result.params.calibrationSettings).toBe(settings);
    expect(result.calibration).toMatchObject({ status: 'calibrated', referenceSource: 'family', referenceCount: 5 });
    expect(result.calibration.pValue).toBeCloseTo(
      referencePValue(result.score, reference.cleanScores, CALIBRATION_DEFAULTS.referenceFit),
      12,
    );
    expect(result.verdict).toBe(result.calibration.verdict);
    // measured with other settings: not applied, and the fixed bands decide
    const other = await runScan({
      model: fixture.modelBytes,
      trusted: fixture.trustedBytes,
      options: { ...options, reference: { ...reference, settings: `${settings};other` } },
    });
    expect(other.calibration).toMatchObject({ status: 'uncalibrated', referenceSource: 'fixed-bands' });
    expect(other.calibration.note).toMatch(/other CTI settings/);
    await expect(
      runScan({
        model: fixture.modelBytes,
        trusted: fixture.trustedBytes,
        options: { ...options, reference: { family: 'x' } as never },
      }),
    ).rejects.toSatisfy((e) => isAntidoteError(e, 'INVALID_INPUT'));
  }, 600_000);

  it('scans only the candidate classes', async () => {
    const result = await runScan({
      model: fixture.modelBytes,
      trusted: fixture.trustedBytes,
      options: { ...FAST, steps: 5, repairSteps: 10, candidateClasses: [2] },
    });
    expect(result.perClassScores[0]).toBe(0);
    expect(result.perClassScores[1]).toBe(0);
    expect(result.params.candidateClasses).toEqual([2]);
  });

  it('keeps the plain maximum and its own threshold for an additive-only scan', async () => {
    const result = await runScan({
      model: fixture.modelBytes,
      trusted: fixture.trustedBytes,
      options: { ...FAST, steps: 5, repairSteps: 10, triggerFamilies: ['additive'] },
    });
    expect(result.params).toMatchObject({ triggerFamilies: 'additive', combine: 'max', triggerFamily: 'additive' });
    expect(result.threshold).toBe(CTI_DEFAULT_THRESHOLD);
    expect(result.verdict).toBe(scanVerdict(result.score, CTI_DEFAULT_THRESHOLD, CTI_DEFAULT_THRESHOLD / 2));
  });

  it('inverts the trigger families asked for and reports which one scored', async () => {
    const before = tf.memory().numTensors;
    const events: TaskProgress[] = [];
    const result = await runScan({
      model: fixture.modelBytes,
      trusted: fixture.trustedBytes,
      options: {
        ...FAST,
        steps: 5,
        repairSteps: 10,
        candidateClasses: [0, 1, 2],
        triggerFamilies: ['additive', 'patch', 'warp'],
      },
      onProgress: (e) => void events.push(e),
    });
    expect(result.params).toMatchObject({
      triggerFamilies: 'additive,patch,warp',
      combine: 'centred',
      suspiciousThreshold: CTI_EXTRA_FAMILIES_DEFAULT_SUSPICIOUS,
    });
    // Extra families lift clean scores, so such a scan decides against its own default threshold.
    expect(result.threshold).toBe(CTI_EXTRA_FAMILIES_DEFAULT_THRESHOLD);
    expect(result.verdict).toBe(
      scanVerdict(result.score, CTI_EXTRA_FAMILIES_DEFAULT_THRESHOLD, CTI_EXTRA_FAMILIES_DEFAULT_SUSPICIOUS),
    );
    expect(['additive', 'patch', 'warp']).toContain(result.params.triggerFamily);
    // Centred: the winning family's raw score for the class, less that family's median over the three classes.
    const raw = Number(result.params[`${String(result.params.triggerFamily)}Score`]);
    expect(result.score).toBeLessThanOrEqual(raw);
    expect(result.perClassScores[result.suspectedTarget ?? (result.params.topClass as number)]).toBe(result.score);
    // With the longer inversion too, the overall share stays in order and ends at 1.
    const shares = events.map((e) => e.progress);
    expect([...shares].sort((a, b) => a - b)).toEqual(shares);
    expect(shares.at(-1)).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops within one step when cancelled, in either phase, without leaking', async () => {
    for (const phase of ['reference-repair', 'invert']) {
      const before = tf.memory().numTensors;
      const controller = new AbortController();
      const events: TaskProgress[] = [];
      const running = runScan({
        model: fixture.modelBytes,
        trusted: fixture.trustedBytes,
        options: FAST,
        signal: controller.signal,
        onProgress: (e) => {
          events.push(e);
          if (e.phase === phase) controller.abort();
        },
      });
      await expect(running).rejects.toSatisfy((e) => isAntidoteError(e, 'CANCELLED'));
      expect(events.at(-1)?.phase).toBe(phase);
      expect(events.filter((e) => e.phase === phase)).toHaveLength(1);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('applies the documented verdict rule', () => {
    expect(scanVerdict(0.3001, 0.3)).toBe('backdoored');
    // A score equal to the threshold is a calibrated clean model's own score: not backdoored.
    expect(scanVerdict(0.3, 0.3)).toBe('suspicious');
    expect(scanVerdict(0.1501, 0.3)).toBe('suspicious');
    expect(scanVerdict(0.15, 0.3)).toBe('clean');
    expect(scanVerdict(-0.2, 0.3)).toBe('clean');
    expect(scanVerdict(0.7, 0.8, 0.75)).toBe('clean');
    expect(scanVerdict(0.75, 0.8, 0.75)).toBe('clean');
    expect(scanVerdict(0.76, 0.8, 0.75)).toBe('suspicious');
  });
});
