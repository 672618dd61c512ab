/**
 * Calibrated Trigger Inversion (CTI) detection. For each candidate target class, optimise a
 * trigger that flips the suspect model to that class but NOT its Pivotal-Tuning repair; a real
 * backdoor is exactly such a shortcut, which repair removes.
 * score_c = ASR(trigger on suspect) - ASR(trigger on repaired), model score = max_c score_c.
 *
 * One file per trigger family (additive.ts, patch.ts, warp.ts) supplies the trigger, its size
 * penalty and its optimiser settings; this loop inverts and scores them the same way, and
 * combine.ts turns the families' class scores into the model's. Where this departs from the paper
 * and why: docs/method.md#calibrated-trigger-inversion.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../datasets/image-dataset.ts';
import { AntidoteError, throwIfAborted } from '../../errors.ts';
import type { TriggerFamily } from '../../formats/names.ts';
import { saveModelToFiles } from '../../models/model-io.ts';
import { splitTrusted } from '../common.ts';
import { pivotalTuning, TRIGGER_INVERSION_REFERENCE_TUNING } from '../pivotal-tuning.ts';
import type { Detector, DetectResult } from '../types.ts';
import { combineFamilyScores, exceedsThreshold } from './combine.ts';
import { type ClassInversion, classInversionSettings, invertClass } from './invert-class.ts';
import {
  checkPatchExtraAreas,
  checkTriggerFamilies,
  TRIGGER_INVERSION_DEFAULTS,
  type TriggerInversionOptions,
} from './options.ts';
import { CTI_REPAIRED, CTI_SPLITS, CTI_SUSPECT } from './thread-handlers.ts';

export {
  CALIBRATION_DEFAULTS,
  type CalibratedVerdict,
  type CalibrateScanInput,
  type CalibrationReference,
  type CalibrationSource,
  type CalibrationStatus,
  calibrateScan,
  inScanPValue,
  normalUpperTail,
  referencePValue,
  type ScanCalibration,
  studentUpperTail,
} from './calibration.ts';
export { calibrateThreshold, combineFamilyScores, exceedsThreshold, type FamilyCombination } from './combine.ts';
export type { ClassInversion } from './invert-class.ts';
export {
  checkPatchExtraAreas,
  checkTriggerFamilies,
  TRIGGER_FAMILIES,
  TRIGGER_INVERSION_DEFAULTS,
  type TriggerFamily,
  type TriggerInversionOptions,
} from './options.ts';
export { bilinearWarp } from './warp.ts';

export async function calibratedTriggerInversion(
  model: tf.LayersModel,
  trusted: ImageDataset,
  options: TriggerInversionOptions,
): Promise<
  DetectResult & {
    repairedModel: tf.LayersModel;
    /** Each family's score per class (0 for classes not checked), before taking the best. */
    familyScores: Partial<Record<TriggerFamily, number[]>>;
    /** The patch family's score per class at each extra area budget that was inverted. */
    patchExtraScores: { area: number; scores: number[] }[];
  }
> {
  const started = performance.now();
  const settings = { ...TRIGGER_INVERSION_DEFAULTS, ...options };
  const numClasses = trusted.classNames.length;
  if (options.targetClass !== undefined && !(options.targetClass >= 0 && options.targetClass < numClasses)) {
    throw new AntidoteError('INVALID_INPUT', `targetClass must be in 0..${numClasses - 1}, got ${options.targetClass}.`);
  }
  if (
    options.candidateClasses !== undefined &&
    (options.candidateClasses.length === 0 ||
      !options.candidateClasses.every((c) => Number.isInteger(c) && c >= 0 && c < numClasses))
  ) {
    throw new AntidoteError('INVALID_INPUT', `candidateClasses must be a non-empty list of classes in 0..${numClasses - 1}.`);
  }
  const repaired =
    options.repairedModel ??
    (
      await pivotalTuning(model, trusted, {
        select: 'final',
        ...TRIGGER_INVERSION_REFERENCE_TUNING,
        ...options.repairOptions,
        seed: options.seed,
        ...(options.signal ? { signal: options.signal } : {}),
        // The reference repair's batches split over the same threads as the classes.
        ...(options.pool ? { pool: options.pool } : {}),
        onProgress: (p) => options.onProgress?.({ ...p, phase: 'repair' }),
      })
    ).model;
  // Invert on the fit part, score on the held-out part, as with every defense choice.
  const { fit, validation } = splitTrusted(trusted, options);
  const candidates =
    options.targetClass !== undefined
      ? [options.targetClass]
      : options.candidateClasses !== undefined
        ? [...new Set(options.candidateClasses)].sort((a, b) => a - b)
        : Array.from({ length: numClasses }, (_, c) => c);

  const { height, width, channels } = trusted;
  const families = checkTriggerFamilies(settings.triggerFamilies);
  // Extra budgets count only centred (combine.ts), so a run that cannot centre does not invert them.
  const extraAreas =
    families.includes('patch') && settings.combine === 'centred' && candidates.length >= 3
      ? checkPatchExtraAreas(settings.patchExtraAreas, settings.patchArea)
      : [];
  const checked = new Set<number>();
  const familyScores = new Map<TriggerFamily, number[]>(families.map((f) => [f, new Array<number>(numClasses).fill(0)]));
  const extraScores = extraAreas.map((area) => ({ area, scores: new Array<number>(numClasses).fill(0) }));
  const displays = new Map<string, Float32Array>();
  const request = (target: number) => ({
    target,
    families,
    settings: { ...classInversionSettings(settings), patchExtraAreas: extraAreas },
    seed: options.seed,
  });
  // a resumed run's classes, kept only where they hold a score for every family and budget now asked for
  const resumed = new Map(
    (options.invertedClasses ?? [])
      .filter(
        (c) =>
          candidates.includes(c.target) &&
          families.every((f) => typeof c.scores[f] === 'number') &&
          extraAreas.every((area) => c.patchExtraScores?.some((e) => e.area === area && typeof e.score === 'number')),
      )
      .map((c) => [c.target, c] as const),
  );
  const remaining = candidates.filter((c) => !resumed.has(c));
  let done = 0;
  const record = async (inversion: ClassInversion | null, fresh = true) => {
    if (inversion && fresh) await options.onClassInverted?.(inversion);
    if (inversion) {
      for (const family of families) {
        (familyScores.get(family) as number[])[inversion.target] = inversion.scores[family] ?? 0;
        const pixels = inversion.displays[family];
        if (pixels) displays.set(`${family}:${inversion.target}`, pixels);
      }
      for (const extra of extraScores) {
        extra.scores[inversion.target] = inversion.patchExtraScores?.find((e) => e.area === extra.area)?.score ?? 0;
      }
      checked.add(inversion.target);
    }
    done++;
    if (!inversion) return;
    await options.onProgress?.({
      phase: 'invert',
      step: done,
      totalSteps: candidates.length,
      // The class's best family so far, whatever rule combines them at the end.
      metrics: { class: inversion.target, score: Math.max(...families.map((f) => inversion.scores[f] ?? 0)) },
    });
  };

  try {
    for (const inversion of resumed.values()) {
      const displays = Object.fromEntries(
        Object.entries(inversion.displays).map(([family, pixels]) => [family, Float32Array.from(pixels as ArrayLike<number>)]),
      );
      await record({ ...inversion, displays }, false);
    }
    const pool = options.pool;
    if (pool?.running && remaining.length > 0) {
      // Every thread gets the two models and the splits once; classes go to whichever is free.
      await pool.loadModel(CTI_SUSPECT, await saveModelToFiles(model));
      await pool.loadModel(CTI_REPAIRED, await saveModelToFiles(repaired));
      await pool.broadcast('put', { key: CTI_SPLITS, value: { fit, validation } });
      try {
        await pool.map(
          remaining,
          'cti-class',
          (target) => request(target),
          (inversion: ClassInversion | null) => record(inversion),
        );
      } finally {
        if (pool.running) await pool.broadcast('drop', { keys: [CTI_SUSPECT, CTI_REPAIRED, CTI_SPLITS] });
      }
    } else {
      for (const target of remaining) {
        throwIfAborted(options.signal);
        await record(await invertClass(model, repaired, fit, validation, request(target), options.signal));
      }
    }
  } catch (error) {
    // Cancelled or failed: the repaired reference is released unless the caller owns it.
    if (repaired !== options.repairedModel) repaired.dispose();
    throw error;
  }

  const combined = combineFamilyScores(
    Object.fromEntries(familyScores),
    candidates.filter((c) => checked.has(c)),
    settings.combine,
    extraScores.map(({ scores }) => ({ family: 'patch' as const, scores })),
  );
  const best = combined.target ?? candidates[0] ?? 0;
  const score = combined.score;
  const classScores = combined.classScores;
  const pixels = combined.family ? displays.get(`${combined.family}:${best}`) : undefined;
  const trigger = combined.family && pixels ? { family: combined.family, pixels } : null;
  const threshold = options.threshold ?? null;
  return {
    detector: 'cti',
    score,
    classScores: options.targetClass !== undefined ? null : classScores,
    suspectedTarget: best,
    threshold,
    verdict: threshold === null ? 'uncalibrated' : exceedsThreshold(score, threshold) ? 'backdoored' : 'clean',
    trigger: trigger ? { pixels: trigger.pixels, height, width, channels } : null,
    seconds: (performance.now() - started) / 1000,
    parameters: {
      calibrationWeight: settings.calibrationWeight,
      candidates: candidates.length,
      triggerFamilies: families.join(','),
      combine: settings.combine,
      ...(trigger ? { triggerFamily: trigger.family } : {}),
      // The suspected class's score per family, so a report can say which shape gave it away.
      ...Object.fromEntries(families.map((f) => [`${f}Score`, familyScores.get(f)?.[best] ?? 0])),
      ...(families.includes('additive')
        ? {
            steps: settings.steps,
            batchSize: settings.batchSize,
            learningRate: settings.learningRate,
            normPenalty: settings.normPenalty,
          }
        : {}),
      ...(families.includes('patch')
        ? {
            patchSteps: settings.patchSteps,
            patchBatchSize: settings.patchBatchSize,
            patchLearningRate: settings.patchLearningRate,
            patchArea: settings.patchArea,
            ...(extraAreas.length > 0 ? { patchExtraAreas: extraAreas.join(',') } : {}),
            patchOverBudgetWeight: settings.patchOverBudgetWeight,
            patchMaskWeight: settings.patchMaskWeight,
          }
        : {}),
      ...(families.includes('warp')
        ? {
            warpSteps: settings.warpSteps,
            warpBatchSize: settings.warpBatchSize,
            warpLearningRate: settings.warpLearningRate,
            warpGrid: settings.warpGrid,
            warpMaxShift: settings.warpMaxShift,
          }
        : {}),
    },
    repairedModel: repaired,
    familyScores: Object.fromEntries(familyScores),
    patchExtraScores: extraScores,
  };
}

export const calibratedTriggerInversionDetector: Detector<TriggerInversionOptions> = {
  name: 'cti',
  detect: async (model, trusted, options) => {
    const {
      repairedModel,
      familyScores: _perFamily,
      patchExtraScores: _perBudget,
      ...result
    } = await calibratedTriggerInversion(model, trusted, options);
    if (repairedModel !== options.repairedModel) repairedModel.dispose();
    return result;
  },
};
