import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAntidoteError } from '../errors.ts';
import { initRuntime } from '../runtime/backend.ts';
import { finePruning } from './baselines/fine-pruning.ts';
import { fineTuning } from './baselines/fine-tuning.ts';
import { neuralAttentionDistillation } from './baselines/nad.ts';
import { neuralCleanseRepair } from './baselines/neural-cleanse.ts';
import { type BackdooredFixture, backdooredFixture } from './baselines/test-fixtures.ts';
import type { CheckpointOptions, DefenseCheckpoint } from './checkpoint.ts';
import { pivotalTuning } from './pivotal-tuning.ts';
import type { DefenseProgress, RepairResult } from './types.ts';

type Extra = CheckpointOptions & { signal?: AbortSignal; onProgress?: (p: DefenseProgress) => void };
type Run = (fixture: BackdooredFixture, extra: Extra) => Promise<RepairResult>;

const TUNE = { steps: 20, batchSize: 32, evaluateEvery: 5, accuracyBudget: 0.05 };

/**
 * Pivotal Tuning's checkpoint mechanics on the 12 px fixture, with the earlier recipe: its
 * re-initialised head and gentler terms keep this tiny model out of the early collapse the
 * pivot-head defaults' mixed pairs and full noise patches cause here, and bring in the retry.
 */
const PT_MECHANICS = {
  learningRate: 0.02,
  headInit: 'random',
  lambdaDistill: 0.3,
  noisePatches: 0.5,
  distillMixup: 0,
  retry: { lambdaHeadShift: 1, lambdaDistill: 1 },
} as const;

const RUNS: Record<string, Run> = {
  'pivotal-tuning': (f, extra) => pivotalTuning(f.model, f.trusted, { seed: 1, ...TUNE, ...PT_MECHANICS, ...extra }),
  'fine-tuning': (f, extra) => fineTuning(f.model, f.trusted, { seed: 1, ...TUNE, ...extra }),
  'fine-pruning': (f, extra) => finePruning(f.model, f.trusted, { seed: 1, ...TUNE, ...extra }),
  nad: (f, extra) => neuralAttentionDistillation(f.model, f.trusted, { seed: 1, ...TUNE, teacherSteps: 20, ...extra }),
  'neural-cleanse': (f, extra) =>
    neuralCleanseRepair(f.model, f.trusted, {
      seed: 1,
      steps: 10,
      batchSize: 16,
      repairSteps: 20,
      repairBatchSize: 32,
      ...extra,
    }),
};

/** A checkpoint as it comes back from a database: state through JSON, files copied. */
function throughStorage(checkpoint: DefenseCheckpoint): DefenseCheckpoint {
  const files = Object.fromEntries(Object.entries(checkpoint.files).map(([name, bytes]) => [name, bytes.slice()]));
  return { ...(JSON.parse(JSON.stringify({ ...checkpoint, files: {} })) as DefenseCheckpoint), files };
}

/** Runs until the checkpoint `pick` accepts, cancels there, and returns that checkpoint. */
async function interrupt(
  fixture: BackdooredFixture,
  run: Run,
  pick: (c: DefenseCheckpoint) => boolean,
): Promise<DefenseCheckpoint> {
  const controller = new AbortController();
  let taken: DefenseCheckpoint | null = null;
  const running = run(fixture, {
    signal: controller.signal,
    checkpointEvery: 10,
    onCheckpoint: (c) => {
      if (!taken && pick(c)) {
        taken = throughStorage(c);
        controller.abort();
      }
    },
  });
  await expect(running).rejects.toSatisfy((e) => isAntidoteError(e, 'CANCELLED'));
  expect(taken).not.toBeNull();
  return taken!;
}

async function resume(fixture: BackdooredFixture, run: Run, checkpoint: DefenseCheckpoint) {
  const before = tf.memory().numTensors;
  const events: DefenseProgress[] = [];
  const result = await run(fixture, { resumeFrom: checkpoint, onProgress: (p) => void events.push(p) });
  expect(result.parameters.resumedFromStep).toBe(checkpoint.step);
  expect(result.validationAccuracyAfter).toBeGreaterThanOrEqual(result.validationAccuracyBefore - 0.05);
  result.model.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return events;
}

describe('repair checkpoints', () => {
  let fixture: BackdooredFixture;
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
    fixture = await backdooredFixture();
  });
  afterAll(() => fixture.model.dispose());

  for (const [name, run] of Object.entries(RUNS)) {
    it(`${name}: resumes from a checkpoint taken mid-run and continues after its step`, async () => {
      const before = tf.memory().numTensors;
      const checkpoint = await interrupt(fixture, run, () => true);
      expect(tf.memory().numTensors).toBe(before);
      expect(checkpoint.defense).toBe(name);
      expect(checkpoint.step).toBe(10);
      expect(Object.keys(checkpoint.files)).toEqual(expect.arrayContaining(['model.json', 'weights.bin']));
      const events = await resume(fixture, run, checkpoint);
      const training = events.filter((e) => e.phase !== 'rank' && e.phase !== 'prune');
      // The first event after resuming is past the checkpoint, not step 1.
      expect(training[0]?.step).toBeGreaterThan(name === 'neural-cleanse' ? 1 : 10);
    });
  }

  it('nad: resumes inside distillation with the teacher restored', async () => {
    const run = RUNS.nad!;
    const checkpoint = await interrupt(fixture, run, (c) => c.state.phase === 'distill');
    // 20 teacher steps, then 10 of a distillation attempt (beta 1000 collapses on this fixture and
    // NAD retries with beta 100: the checkpoint then also carries the first attempt's model).
    expect([30, 50]).toContain(checkpoint.step);
    expect(Object.keys(checkpoint.files)).toContain('checkpoint/teacher.bin');
    if (checkpoint.step === 50) expect(Object.keys(checkpoint.files)).toContain('checkpoint/previous-best.bin');
    const events = await resume(fixture, run, checkpoint);
    expect(events.some((e) => e.phase === 'teacher')).toBe(false);
  });

  it('pivotal-tuning: resumes inside its second run without repeating the first', async () => {
    // A floor above 100% sends PT to its second run; the checkpoint is taken there.
    const run: Run = (f, extra) =>
      pivotalTuning(f.model, f.trusted, {
        seed: 1,
        ...TUNE,
        ...PT_MECHANICS,
        accuracyBudget: -0.01,
        budgetTolerance: 0,
        ...extra,
      });
    const checkpoint = await interrupt(fixture, run, (c) => c.state.phase === 'repair-retry');
    expect(checkpoint.step).toBe(30);
    const events = await resume(fixture, run, checkpoint);
    expect(events.some((e) => e.phase === 'repair')).toBe(false);
    expect(events[0]?.step).toBeGreaterThan(10);
  });

  it('pivotal-tuning: refuses a second-run checkpoint when the options turn the second run off', async () => {
    const run: Run = (f, extra) =>
      pivotalTuning(f.model, f.trusted, {
        seed: 1,
        ...TUNE,
        ...PT_MECHANICS,
        accuracyBudget: -0.01,
        budgetTolerance: 0,
        ...extra,
      });
    const checkpoint = await interrupt(fixture, run, (c) => c.state.phase === 'repair-retry');
    const before = tf.memory().numTensors;
    await expect(
      pivotalTuning(fixture.model, fixture.trusted, {
        seed: 1,
        ...TUNE,
        ...PT_MECHANICS,
        accuracyBudget: -0.01,
        budgetTolerance: 0,
        retry: null,
        resumeFrom: checkpoint,
      }),
    ).rejects.toSatisfy((e) => isAntidoteError(e, 'INVALID_INPUT') && /"repair-retry" run/.test(e.message));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('neural-cleanse: resumes inside unlearning without reversing triggers again', async () => {
    const run = RUNS['neural-cleanse']!;
    const checkpoint = await interrupt(fixture, run, (c) => c.state.phase === 'unlearn');
    expect(checkpoint.step).toBe(40);
    const events = await resume(fixture, run, checkpoint);
    expect(events.some((e) => e.phase === 'invert')).toBe(false);
  });

  it('refuses a checkpoint of another defense or another schedule', async () => {
    const checkpoint = await interrupt(fixture, RUNS['fine-tuning']!, () => true);
    await expect(RUNS['pivotal-tuning']!(fixture, { resumeFrom: checkpoint })).rejects.toSatisfy((e) =>
      isAntidoteError(e, 'INVALID_INPUT'),
    );
    await expect(
      fineTuning(fixture.model, fixture.trusted, { seed: 1, ...TUNE, steps: 30, resumeFrom: checkpoint }),
    ).rejects.toThrow(/20 steps/);
  });
});
