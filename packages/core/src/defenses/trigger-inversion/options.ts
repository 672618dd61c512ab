/**
 * The options of Calibrated Trigger Inversion, grouped by trigger family, and their defaults. Why
 * each default: docs/method.md#the-measurements-behind-each-cti-default.
 */
import type * as tf from '@tensorflow/tfjs';
import { AntidoteError } from '../../errors.ts';
import { TRIGGER_FAMILIES, type TriggerFamily } from '../../formats/names.ts';
import type { PivotalTuningOptions } from '../pivotal-tuning.ts';
import type { DefenseOptions } from '../types.ts';
import type { FamilyCombination } from './combine.ts';
import type { ClassInversion } from './invert-class.ts';

export { TRIGGER_FAMILIES, type TriggerFamily };

export interface TriggerInversionOptions extends DefenseOptions {
  /** Check only this class (the user's suspicion); default: every class. */
  targetClass?: number;
  /** Check only these classes (ignored when `targetClass` is set); default: every class. */
  candidateClasses?: readonly number[];
  /** Weight of the calibration term CE(repaired(x'), y), shared by every family. */
  calibrationWeight?: number;
  // ---- the additive family (the method's own shape)
  /** Adam steps of each class's additive inversion. */
  steps?: number;
  /** Fit images per step of the additive inversion. */
  batchSize?: number;
  learningRate?: number;
  /**
   * Weight of mean |delta| (an L1 size penalty) in the additive inversion's loss. The reference code
   * has none; without it clean models flipped as readily as backdoored ones
   * (docs/method.md#the-measurements-behind-each-cti-default).
   */
  normPenalty?: number;
  /**
   * Trigger shapes to invert, each scored the same calibrated way, combined by `combine`.
   * Default `['patch', 'warp']`: `patch` is Neural Cleanse's mask x pattern under an area budget
   * (it also paints a blend's faint delta where the mask is soft), `warp` is WaNet's smooth
   * displacement field; `additive`, the method's faint full-image delta, is opt-in because it found
   * nothing the patch shape missed at the cost of the other two together
   * (docs/method.md#calibrated-trigger-inversion).
   */
  triggerFamilies?: readonly TriggerFamily[];
  // ---- the patch family
  /** Adam steps of each class's patch inversion. */
  patchSteps?: number;
  /** Fit images per step of the patch inversion. */
  patchBatchSize?: number;
  /** Adam learning rate of the patch inversion. */
  patchLearningRate?: number;
  /**
   * Area the patch mask may cover without penalty, as a share of the image (mask L1 / pixels).
   * A real patch trigger is small; a clean model can be flipped by a large enough stamp of its
   * class, so beyond this area every pixel costs `patchOverBudgetWeight`.
   */
  patchArea?: number;
  /**
   * Further area budgets for the patch family, each inverted on its own (same steps, its own seeded
   * stream) and scored the same calibrated way, so a trigger larger or smaller than `patchArea`
   * is painted whole. A larger budget flips every class more easily, so each budget's scores count
   * only as centred within that budget (its median over the checked classes taken away): they join
   * the `centred` combination with three or more checked classes and are neither inverted nor read
   * otherwise. `patchArea`'s own inversion and score stay what they are without extras. Default
   * none: tried, it did not find what the main budget missed and lifted clean models
   * (docs/method.md#the-measurements-behind-each-cti-default).
   */
  patchExtraAreas?: readonly number[];
  /** Penalty per mask pixel beyond `patchArea`. */
  patchOverBudgetWeight?: number;
  /** Penalty per mask pixel within `patchArea`: keeps the mask from filling its budget for nothing. */
  patchMaskWeight?: number;
  /**
   * How the families' per-class scores become the model's score and suspected target (see
   * `combineFamilyScores`): `max` (the method's max over classes, per class the best family) or
   * `centred` (default: each family's scores less that family's median class score first), so that
   * one family's easily flipped classes cannot outscore another family's lone target.
   */
  combine?: FamilyCombination;
  // ---- the warp family
  /** Adam steps of each class's warp inversion. */
  warpSteps?: number;
  /** Fit images per step of the warp inversion. */
  warpBatchSize?: number;
  /** Adam learning rate of the warp inversion (on the control grid's logits). */
  warpLearningRate?: number;
  /** Side of the warp's control grid (WaNet's k), upsampled bicubically to the image. */
  warpGrid?: number;
  /** Largest displacement of any pixel, in pixels: the warp family's size budget. */
  warpMaxShift?: number;
  // ---- the reference and the decision
  /** A PT-repaired model to reuse (repair and detection share it); computed when absent. */
  repairedModel?: tf.LayersModel;
  repairOptions?: Omit<PivotalTuningOptions, keyof DefenseOptions>;
  /** Decision threshold on the score, from `calibrateThreshold` over reference clean models. */
  threshold?: number;
  // ---- checkpoints: a long scan resumes instead of starting over
  /**
   * Classes an earlier run with the same models, data and settings already inverted (from its
   * `onClassInverted` calls): they are scored as given and not inverted again. Classes are
   * independent and seeded per class, so the result is the one an uninterrupted run gives.
   */
  invertedClasses?: readonly ClassInversion[];
  /** Awaited after each class is inverted (not for `invertedClasses`), so a caller can save it. */
  onClassInverted?: (inversion: ClassInversion) => Promise<void>;
}

export const TRIGGER_INVERSION_DEFAULTS = {
  steps: 50,
  batchSize: 64,
  learningRate: 0.01,
  calibrationWeight: 0.5,
  normPenalty: 100,
  triggerFamilies: ['patch', 'warp'] as readonly TriggerFamily[],
  patchSteps: 50,
  patchBatchSize: 32,
  patchLearningRate: 0.2,
  // 12 pixels of a 28x28 image.
  patchArea: 0.015,
  patchExtraAreas: [] as readonly number[],
  patchOverBudgetWeight: 0.2,
  patchMaskWeight: 0.01,
  combine: 'centred' as FamilyCombination,
  // A 4x4 grid per axis is WaNet's own k; 1.5 px covers its s = 1 field.
  warpSteps: 50,
  warpBatchSize: 32,
  warpLearningRate: 0.1,
  warpGrid: 4,
  warpMaxShift: 1.5,
} as const;

/**
 * The distinct families of a caller's list, or INVALID_INPUT. Exported so a caller that runs
 * minutes of work before CTI (the scan's reference repair) can refuse a bad list first.
 */
export function checkTriggerFamilies(value: unknown): TriggerFamily[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((f) => (TRIGGER_FAMILIES as readonly unknown[]).includes(f))) {
    throw new AntidoteError('INVALID_INPUT', `triggerFamilies must be a non-empty list of ${TRIGGER_FAMILIES.join(', ')}.`);
  }
  return [...new Set(value as TriggerFamily[])];
}

/**
 * The extra patch budgets a run inverts: distinct, not `patchArea` itself, ascending; INVALID_INPUT
 * unless each is a share of the image in (0, 1].
 */
export function checkPatchExtraAreas(value: unknown, patchArea: number): number[] {
  if (!Array.isArray(value) || !value.every((a) => typeof a === 'number' && a > 0 && a <= 1)) {
    throw new AntidoteError('INVALID_INPUT', 'patchExtraAreas must be a list of image shares in (0, 1].');
  }
  return [...new Set(value as number[])].filter((a) => a !== patchArea).sort((a, b) => a - b);
}
