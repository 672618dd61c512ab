import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warpBilinear } from '../../attacks/triggers.ts';
import { isAntidoteError } from '../../errors.ts';
import { ThreadPool } from '../../parallel/pool.ts';
import { initRuntime } from '../../runtime/backend.ts';
import {
  type BackdooredFixture,
  backdooredFixture,
  PATCH,
  SIDE,
  TARGET,
  warpedFixture,
  weightValues,
} from '../baselines/test-fixtures.ts';
import { pivotalTuning, TRIGGER_INVERSION_REFERENCE_TUNING } from '../pivotal-tuning.ts';
import {
  bilinearWarp,
  type ClassInversion,
  calibratedTriggerInversion,
  calibrateThreshold,
  checkPatchExtraAreas,
  combineFamilyScores,
} from './index.ts';

/** A short Pivotal Tuning's final weights: the reference the trigger-family tests invert against. */
async function finalReference(f: BackdooredFixture): Promise<tf.LayersModel> {
  // The recipe CTI itself trains its reference with.
  return (
    await pivotalTuning(f.model, f.trusted, {
      seed: 7,
      steps: 60,
      batchSize: 32,
      evaluateEvery: 20,
      select: 'final',
      ...TRIGGER_INVERSION_REFERENCE_TUNING,
    })
  ).model;
}

describe('Calibrated Trigger Inversion', () => {
  let fixture: BackdooredFixture;
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm' });
    fixture = await backdooredFixture(3, 11);
  });
  afterAll(() => fixture.model.dispose());

  it('names the backdoor target class and scores it highest', async () => {
    const before = tf.memory().numTensors;
    const events: string[] = [];
    // The method's own shape and rule: one additive trigger per class, the best class wins.
    const result = await calibratedTriggerInversion(fixture.model, fixture.trusted, {
      seed: 1,
      triggerFamilies: ['additive'],
      combine: 'max',
      steps: 30,
      batchSize: 32,
      repairOptions: { steps: 60, batchSize: 32, evaluateEvery: 20 },
      threshold: 0.2,
      onProgress: (p) => void events.push(p.phase),
    });
    expect(result.suspectedTarget).toBe(TARGET);
    expect(result.score).toBeGreaterThan(0.2);
    expect(result.verdict).toBe('backdoored');
    expect(result.classScores).toHaveLength(3);
    expect(result.trigger?.pixels.length).toBe(12 * 12);
    expect(events).toContain('repair');
    expect(events.filter((p) => p === 'invert')).toHaveLength(3);
    result.repairedModel.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('checks only the class the user names', async () => {
    const result = await calibratedTriggerInversion(fixture.model, fixture.trusted, {
      seed: 2,
      steps: 5,
      batchSize: 16,
      targetClass: 1,
      repairOptions: { steps: 10, batchSize: 32, evaluateEvery: 10 },
    });
    expect(result.suspectedTarget).toBe(1);
    expect(result.classScores).toBeNull();
    expect(result.verdict).toBe('uncalibrated');
    result.repairedModel.dispose();
  });

  it("hands back CTI's reference (its first run's final weights) from any repair, and CTI uses it as is", async () => {
    // CTI's reference recipe, with both fallback runs and no held-out tolerance.
    const shared = {
      seed: 6,
      steps: 20,
      batchSize: 32,
      evaluateEvery: 10,
      ...TRIGGER_INVERSION_REFERENCE_TUNING,
      retry: { lambdaHeadShift: 1, lambdaDistill: 1 },
      pivotHeadFallback: true,
      budgetTolerance: 0,
    };
    const before = tf.memory().numTensors;
    // A 100-point budget keeps the last step; a floor above 100% keeps nothing, so the repair runs
    // all three attempts and returns the suspect, and the reference is still the first run's end.
    for (const accuracyBudget of [1, -0.01]) {
      const repair = await pivotalTuning(fixture.model, fixture.trusted, { ...shared, accuracyBudget, withFinalReference: true });
      const reference = await pivotalTuning(fixture.model, fixture.trusted, { ...shared, accuracyBudget, select: 'final' });
      const handedBack = repair.finalReference;
      if (!handedBack) throw new Error('no reference handed back');
      expect(handedBack).not.toBe(repair.model);
      expect(await weightValues(handedBack)).toEqual(await weightValues(reference.model));
      if (accuracyBudget > 0) {
        expect(await weightValues(repair.model)).toEqual(await weightValues(reference.model));
        const tensors = tf.memory().numTensors;
        const detection = await calibratedTriggerInversion(fixture.model, fixture.trusted, {
          seed: 6,
          steps: 5,
          batchSize: 16,
          repairedModel: handedBack,
        });
        // The caller's model is used as is and stays the caller's to dispose.
        expect(detection.repairedModel).toBe(handedBack);
        expect(tf.memory().numTensors).toBe(tensors);
      } else {
        expect(repair.parameters.attempts).toBe(3);
        expect(await weightValues(repair.model)).not.toEqual(await weightValues(reference.model));
      }
      for (const m of [repair.model, handedBack, reference.model]) m.dispose();
    }
    const without = await pivotalTuning(fixture.model, fixture.trusted, { ...shared, steps: 10 });
    expect(without.finalReference).toBeUndefined();
    without.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  describe('patch trigger family', () => {
    let reference: tf.LayersModel;
    // The fixture's trigger is a 3x3 corner patch on a 12x12 image: 6% of it, so the patch budget
    // is raised from its 28x28 default (1.5%, about 2 pixels here).
    // Three classes are too few for the centred rule (the median is the runner-up), so these take the max.
    const PATCH_OPTIONS = { patchArea: 0.07, patchSteps: 60, steps: 10, batchSize: 32, combine: 'max' as const };
    beforeAll(async () => {
      reference = await finalReference(fixture);
    });
    afterAll(() => reference.dispose());

    it('stamps its trigger on the planted corner and names the target', async () => {
      const before = tf.memory().numTensors;
      const result = await calibratedTriggerInversion(fixture.model, fixture.trusted, {
        seed: 1,
        ...PATCH_OPTIONS,
        triggerFamilies: ['patch'],
        repairedModel: reference,
      });
      expect(result.suspectedTarget).toBe(TARGET);
      expect(result.score).toBeGreaterThan(0.5);
      expect(result.parameters).toMatchObject({ triggerFamilies: 'patch', triggerFamily: 'patch', patchArea: 0.07 });
      // Most of what the stamp paints lies in the 3x3 corner the backdoor was planted with.
      const pixels = result.trigger?.pixels ?? new Float32Array();
      let corner = 0;
      let total = 0;
      pixels.forEach((v, i) => {
        total += v;
        if (Math.floor(i / SIDE) >= SIDE - PATCH && i % SIDE >= SIDE - PATCH) corner += v;
      });
      expect(corner / total).toBeGreaterThan(0.5);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('by default inverts patch and warp triggers, combined centred, and names the target', async () => {
      const before = tf.memory().numTensors;
      const result = await calibratedTriggerInversion(fixture.model, fixture.trusted, {
        seed: 4,
        patchArea: PATCH_OPTIONS.patchArea,
        repairedModel: reference,
      });
      expect(result.suspectedTarget).toBe(TARGET);
      expect(result.parameters).toMatchObject({
        triggerFamilies: 'patch,warp',
        combine: 'centred',
        triggerFamily: 'patch',
        patchSteps: 50,
        patchBatchSize: 32,
        warpSteps: 50,
        warpBatchSize: 32,
      });
      // No additive inversion ran, so none of its knobs is reported.
      expect(result.parameters).not.toHaveProperty('normPenalty');
      // Centred: each class scores its family's score less that family's median over the 3 classes
      // (here the runner-up: on a 3-class task a patch flips a clean model to any class).
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] as number;
      const centred = Object.values(result.familyScores).flatMap((scores) => scores.map((v) => v - median(scores)));
      expect(result.score).toBeCloseTo(Math.max(...centred), 10);
      expect(result.familyScores.patch?.[TARGET]).toBeGreaterThan(0.5);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('joins the additive family without changing the additive inversion', async () => {
      const additive = await calibratedTriggerInversion(fixture.model, fixture.trusted, {
        seed: 2,
        ...PATCH_OPTIONS,
        triggerFamilies: ['additive'],
        repairedModel: reference,
      });
      const both = await calibratedTriggerInversion(fixture.model, fixture.trusted, {
        seed: 2,
        ...PATCH_OPTIONS,
        triggerFamilies: ['additive', 'patch'],
        combine: 'max',
        repairedModel: reference,
      });
      expect(additive.parameters).toMatchObject({ triggerFamilies: 'additive', triggerFamily: 'additive' });
      const best = both.suspectedTarget ?? -1;
      // The additive family's own score for the suspected class is the additive-only run's.
      expect(both.parameters.additiveScore).toBe(additive.classScores?.[best]);
      // A class scores its best family.
      both.classScores?.forEach((score, c) => {
        expect(score).toBe(Math.max(additive.classScores?.[c] ?? 0, score));
      });
      expect(both.score).toBe(Math.max(Number(both.parameters.additiveScore), Number(both.parameters.patchScore)));
    });

    it('inverts classes on compute threads with the same scores and triggers as on this thread', async () => {
      const options = {
        seed: 5,
        ...PATCH_OPTIONS,
        patchSteps: 20,
        warpSteps: 20,
        // centred, so the extra patch budget is inverted on the threads too
        combine: 'centred' as const,
        patchExtraAreas: [0.2],
        triggerFamilies: ['patch', 'warp'] as const,
        repairedModel: reference,
      };
      const serial = await calibratedTriggerInversion(fixture.model, fixture.trusted, options);
      const pool = await ThreadPool.start({ threads: 2, backend: 'wasm' });
      try {
        const before = await pool.broadcast<{ numTensors: number }>('memory', null);
        const tensors = tf.memory().numTensors;
        const classes: number[] = [];
        const parallel = await calibratedTriggerInversion(fixture.model, fixture.trusted, {
          ...options,
          pool,
          onProgress: (p) => void classes.push(p.metrics?.class ?? -1),
        });
        // Each class draws from its own seeded streams and the threads run the same wasm kernels
        // on the same bytes, so the scores are bit-identical, not just close.
        expect(parallel.familyScores).toEqual(serial.familyScores);
        expect(serial.patchExtraScores.map((e) => e.area)).toEqual([0.2]);
        expect(parallel.patchExtraScores).toEqual(serial.patchExtraScores);
        expect(parallel.score).toBe(serial.score);
        expect(parallel.suspectedTarget).toBe(serial.suspectedTarget);
        expect(parallel.trigger?.pixels).toEqual(serial.trigger?.pixels);
        expect(classes.sort()).toEqual([0, 1, 2]);
        // Nothing stays behind on the threads or here.
        expect(await pool.broadcast<{ numTensors: number }>('memory', null)).toEqual(before);
        expect(tf.memory().numTensors).toBe(tensors);
      } finally {
        await pool.close();
      }
    });

    it('inverts extra area budgets beside the main one, each scored centred within its budget', async () => {
      const options = {
        seed: 8,
        ...PATCH_OPTIONS,
        patchSteps: 20,
        triggerFamilies: ['patch'] as const,
        repairedModel: reference,
      };
      const before = tf.memory().numTensors;
      const plain = await calibratedTriggerInversion(fixture.model, fixture.trusted, { ...options, combine: 'centred' });
      const saved: ClassInversion[] = [];
      // 0.07 is the main budget: listed again it is not inverted twice; the rest run ascending.
      const extra = await calibratedTriggerInversion(fixture.model, fixture.trusted, {
        ...options,
        combine: 'centred',
        patchExtraAreas: [0.2, 0.02, 0.07, 0.2],
        onClassInverted: async (c) => void saved.push(c),
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(plain.patchExtraScores).toEqual([]);
      expect(extra.patchExtraScores.map((e) => e.area)).toEqual([0.02, 0.2]);
      expect(extra.parameters).toMatchObject({ patchArea: 0.07, patchExtraAreas: '0.02,0.2' });
      // The main budget's inversion is untouched by the extra ones.
      expect(extra.familyScores).toEqual(plain.familyScores);
      expect(plain.trigger?.pixels).toEqual(extra.trigger?.pixels);
      // Each budget counts by how far a class stands out from that budget's median over classes.
      const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[1] as number;
      const views = [extra.familyScores.patch ?? [], ...extra.patchExtraScores.map((e) => e.scores)];
      const centred = views.map((scores) => scores.map((v) => v - median(scores)));
      expect(extra.score).toBeCloseTo(Math.max(...centred.flat()), 10);
      expect(extra.score).toBeGreaterThanOrEqual(plain.score);
      const raw = views.map((scores) => scores[TARGET] as number);
      // The largest budget paints the planted patch whole as well.
      expect(raw[2]).toBeGreaterThan(0.5);
      expect(extra.suspectedTarget).toBe(TARGET);

      // Resumed from every class: nothing is inverted again and the result is the same.
      const again: ClassInversion[] = [];
      const resumed = await calibratedTriggerInversion(fixture.model, fixture.trusted, {
        ...options,
        combine: 'centred',
        patchExtraAreas: [0.02, 0.2],
        invertedClasses: saved,
        onClassInverted: async (c) => void again.push(c),
      });
      expect(again).toEqual([]);
      expect(resumed.score).toBe(extra.score);
      expect(resumed.patchExtraScores).toEqual(extra.patchExtraScores);
      // A checkpoint without a budget now asked for (an older run's) is inverted again.
      const older = saved.map(({ patchExtraScores: _e, ...c }) => c);
      const redone = await calibratedTriggerInversion(fixture.model, fixture.trusted, {
        ...options,
        combine: 'centred',
        patchExtraAreas: [0.02, 0.2],
        invertedClasses: [...older.slice(0, 2), ...saved.slice(2)],
        onClassInverted: async (c) => void again.push(c),
      });
      expect(again.map((c) => c.target).sort()).toEqual([0, 1]);
      expect(redone.patchExtraScores).toEqual(extra.patchExtraScores);
      expect(redone.score).toBe(extra.score);

      // With the plain maximum the extra budgets are neither inverted nor read.
      const max = await calibratedTriggerInversion(fixture.model, fixture.trusted, {
        ...options,
        combine: 'max',
        patchExtraAreas: [0.2],
      });
      expect(max.patchExtraScores).toEqual([]);
      expect(max.parameters).not.toHaveProperty('patchExtraAreas');
      expect(tf.memory().numTensors).toBe(before);
    });

    it('refuses an unknown or empty family list, and cancels between classes without leaking', async () => {
      for (const triggerFamilies of [[], ['wobble']]) {
        await expect(
          calibratedTriggerInversion(fixture.model, fixture.trusted, {
            seed: 3,
            triggerFamilies: triggerFamilies as never,
            repairedModel: reference,
          }),
        ).rejects.toSatisfy((e) => isAntidoteError(e, 'INVALID_INPUT'));
      }
      const before = tf.memory().numTensors;
      const controller = new AbortController();
      const events: string[] = [];
      const running = calibratedTriggerInversion(fixture.model, fixture.trusted, {
        seed: 3,
        ...PATCH_OPTIONS,
        triggerFamilies: ['additive', 'patch'],
        repairedModel: reference,
        signal: controller.signal,
        onProgress: (p) => {
          events.push(p.phase);
          controller.abort();
        },
      });
      await expect(running).rejects.toSatisfy((e) => isAntidoteError(e, 'CANCELLED'));
      expect(events).toEqual(['invert']);
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  describe('warp trigger family', () => {
    let warped: BackdooredFixture;
    let reference: tf.LayersModel;
    beforeAll(async () => {
      warped = await warpedFixture();
      reference = await finalReference(warped);
    });
    afterAll(() => {
      warped.model.dispose();
      reference.dispose();
    });

    it('resamples an image exactly as the WaNet attack does for the same displacement', () => {
      const geometry = { height: SIDE, width: SIDE, channels: 1 };
      const image = Uint8Array.from({ length: SIDE * SIDE }, (_, i) => (i * 37) % 256);
      // A smooth field pushing up to 2 px, past the image edge in places (both clamp).
      const dx = Float64Array.from({ length: SIDE * SIDE }, (_, p) => 2 * Math.sin((p % SIDE) / 3));
      const dy = Float64Array.from({ length: SIDE * SIDE }, (_, p) => 1.5 * Math.cos(Math.floor(p / SIDE) / 2));
      const expected = warpBilinearOf(image, geometry, dx, dy);
      const actual = tf.tidy(() => {
        const images = tf.tensor4d(
          Float32Array.from(image, (v) => v / 255),
          [1, SIDE, SIDE, 1],
        );
        const displacement = tf.tensor2d(
          Float32Array.from({ length: 2 * SIDE * SIDE }, (_, i) => (i % 2 === 0 ? dx : dy)[Math.floor(i / 2)] as number),
          [SIDE * SIDE, 2],
        );
        return bilinearWarp(images, displacement).dataSync();
      });
      const worst = Math.max(...Array.from(actual, (v, i) => Math.abs(v * 255 - (expected[i] as number))));
      // The attack rounds to bytes: half a level apart at most.
      expect(worst).toBeLessThanOrEqual(0.51);
    });

    it('finds a warp backdoor the additive trigger cannot paint, and names its target', async () => {
      expect(warped.asr).toBeGreaterThan(0.9);
      const before = tf.memory().numTensors;
      const options = { seed: 1, steps: 10, batchSize: 32, warpSteps: 60, repairedModel: reference };
      const additive = await calibratedTriggerInversion(warped.model, warped.trusted, {
        ...options,
        triggerFamilies: ['additive'],
      });
      const warp = await calibratedTriggerInversion(warped.model, warped.trusted, { ...options, triggerFamilies: ['warp'] });
      expect(warp.suspectedTarget).toBe(TARGET);
      expect(warp.score).toBeGreaterThan(0.6);
      expect(additive.score).toBeLessThan(warp.score - 0.4);
      expect(warp.parameters).toMatchObject({ triggerFamily: 'warp', warpGrid: 4, warpMaxShift: 1.5, warpSteps: 60 });
      // The display is a ruled grid bent by the inverted warp, in [0, 1].
      const pixels = warp.trigger?.pixels ?? new Float32Array();
      expect(pixels.length).toBe(SIDE * SIDE);
      expect(Math.min(...pixels)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  it('combines families by the best score, or by how far a class stands out within its family', () => {
    const familyScores = { additive: [0.2, 0.3, 0.5, 0.4, 0.1], warp: [0.6, 0.0, 0.1, 0.0, 0.05] };
    const all = [0, 1, 2, 3, 4];
    expect(combineFamilyScores(familyScores, all, 'max')).toEqual({
      score: 0.6,
      target: 0,
      family: 'warp',
      classScores: [0.6, 0.3, 0.5, 0.4, 0.1],
    });
    // Medians: additive 0.3, warp 0.05. Class 2 is 0.2 above its family's level, class 0 0.55.
    const centred = combineFamilyScores(familyScores, all, 'centred');
    expect(centred).toMatchObject({ target: 0, family: 'warp' });
    expect(centred.score).toBeCloseTo(0.55, 10);
    expect(centred.classScores.map((v) => Number(v.toFixed(10)))).toEqual([0.55, 0, 0.2, 0.1, 0]);
    // A lone additive standout wins when the warp family is flat.
    expect(
      combineFamilyScores({ additive: [0.1, 0.1, 0.7, 0.1, 0.1], warp: [0.3, 0.3, 0.3, 0.3, 0.3] }, all, 'centred'),
    ).toMatchObject({
      target: 2,
      family: 'additive',
    });
    // An extra view of a family (the patch family at another budget) is centred by its own median.
    const views = [{ family: 'additive' as const, scores: [0.9, 0.9, 0.9, 0.9, 1.0] }];
    expect(combineFamilyScores(familyScores, all, 'centred', views)).toMatchObject({ target: 0, family: 'warp' });
    const standout = [{ family: 'additive' as const, scores: [0.9, 0.2, 0.2, 0.2, 0.3] }];
    const withView = combineFamilyScores(familyScores, all, 'centred', standout);
    expect(withView).toMatchObject({ target: 0, family: 'additive' });
    expect(withView.score).toBeCloseTo(0.7, 10);
    // The plain maximum and fewer than three classes ignore extra views.
    expect(combineFamilyScores(familyScores, all, 'max', standout)).toEqual(combineFamilyScores(familyScores, all, 'max'));
    expect(combineFamilyScores(familyScores, [2, 3], 'centred', standout)).toEqual(
      combineFamilyScores(familyScores, [2, 3], 'centred'),
    );
    // With fewer than three classes checked there is no level to take away; unchecked classes stay 0.
    expect(combineFamilyScores(familyScores, [2, 3], 'centred')).toEqual({
      score: 0.5,
      target: 2,
      family: 'additive',
      classScores: [0, 0, 0.5, 0.4, 0],
    });
  });

  it('refuses extra patch budgets that are not shares of the image', () => {
    expect(checkPatchExtraAreas([0.05, 0.005, 0.015, 0.05], 0.015)).toEqual([0.005, 0.05]);
    for (const bad of [[0], [1.5], ['0.05'], 0.05]) {
      expect(() => checkPatchExtraAreas(bad, 0.015)).toThrow(/patchExtraAreas/);
    }
  });

  it('calibrates the threshold as a quantile of clean-model scores', () => {
    const clean = [0.01, 0.02, 0.05, 0.03, 0.04, 0.1, 0.02, 0.0, 0.06, 0.08];
    expect(calibrateThreshold(clean, 0.1)).toBe(0.08);
    expect(calibrateThreshold(clean, 0)).toBe(0.1);
    expect(() => calibrateThreshold([])).toThrow(/at least one reference clean model/);
  });
});

function warpBilinearOf(
  image: Uint8Array,
  geometry: { height: number; width: number; channels: number },
  dx: Float64Array,
  dy: Float64Array,
): Uint8Array {
  // The attack's own warp: a WaNet with a field we choose would need its private grid, so this
  // calls the shared sampler the attack uses, with absolute coordinates.
  const x = Float64Array.from(dx, (d, p) => (p % geometry.width) + d);
  const y = Float64Array.from(dy, (d, p) => Math.floor(p / geometry.width) + d);
  return warpBilinear(image, geometry, x, y);
}
