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
import * as tf from '@tensorflow/tfjs';
import { type ImageDataset, selectImages } from '../../datasets/image-dataset.ts';
import { AntidoteError, throwIfAborted } from '../../errors.ts';
import type { TriggerFamily } from '../../formats/names.ts';
import { createRng } from '../../random.ts';
import { batchTensor, labelTensor } from '../../training/batches.ts';
import { splitTrusted } from '../common.ts';
import { pivotalTuning, TRIGGER_INVERSION_REFERENCE_TUNING } from '../pivotal-tuning.ts';
import type { Detector, DetectResult } from '../types.ts';
import { additiveShape } from './additive.ts';
import { combineFamilyScores, exceedsThreshold } from './combine.ts';
import { checkTriggerFamilies, TRIGGER_INVERSION_DEFAULTS, type TriggerInversionOptions } from './options.ts';
import { patchShape } from './patch.ts';
import { attackRate, type TriggerShape } from './shape.ts';
import { warpShape } from './warp.ts';

export { calibrateThreshold, combineFamilyScores, exceedsThreshold, type FamilyCombination } from './combine.ts';
export {
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
  const rng = createRng(options.seed ^ 0x1234567);
  // Its own stream, so adding the patch family leaves the additive inversion exactly as it was.
  const patchRng = createRng((options.seed ^ 0x5a7c4) >>> 0);
  const warpRng = createRng((options.seed ^ 0x3e11d) >>> 0);
  const checked = new Set<number>();
  const familyScores = new Map<TriggerFamily, number[]>(families.map((f) => [f, new Array<number>(numClasses).fill(0)]));
  const displays = new Map<string, Float32Array>();

  /**
   * Minimises CE(suspect(x'), target) + calibrationWeight * CE(repaired(x'), truth) + the family's
   * size penalty over `variables`, on batches of fit images not of the target class.
   */
  async function optimise(
    source: readonly number[],
    target: number,
    { stamp, sizePenalty, variables, steps, batchSize, learningRate, draw }: TriggerShape,
  ): Promise<void> {
    const optimizer = tf.train.adam(learningRate, 0.5, 0.9);
    try {
      for (let step = 0; step < steps; step++) {
        const picks = Int32Array.from({ length: Math.min(batchSize, source.length) }, () => source[draw.int(source.length)] ?? 0);
        const flip = trusted.flipAugment && draw.next() < 0.5;
        tf.tidy(() => {
          let images = batchTensor(fit, picks);
          if (flip) images = tf.reverse(images, 2);
          const labels = labelTensor(fit, picks);
          const targets = tf.oneHot(tf.fill([picks.length], target, 'int32') as tf.Tensor1D, numClasses);
          const truths = tf.oneHot(labels, numClasses);
          optimizer.minimize(
            () => {
              const triggered = stamp(images);
              const flipSuspect = tf.losses.softmaxCrossEntropy(targets, model.predict(triggered) as tf.Tensor);
              const keepRepaired = tf.losses.softmaxCrossEntropy(truths, repaired.predict(triggered) as tf.Tensor);
              return tf.addN([flipSuspect, tf.mul(settings.calibrationWeight, keepRepaired), sizePenalty()]) as tf.Scalar;
            },
            false,
            variables,
          );
        });
        if (step % 10 === 9) await new Promise<void>((resolve) => setImmediate(resolve));
        throwIfAborted(options.signal);
      }
    } finally {
      optimizer.dispose();
    }
  }

  try {
    for (const [k, target] of candidates.entries()) {
      throwIfAborted(options.signal);
      const source = Array.from(fit.labels.keys()).filter((i) => fit.labels[i] !== target);
      const heldOut = Array.from(validation.labels.keys()).filter((i) => validation.labels[i] !== target);
      if (source.length === 0 || heldOut.length === 0) continue;
      const held = selectImages(validation, heldOut);
      const images = batchTensor(held, Int32Array.from(held.labels.keys()));
      try {
        for (const family of families) {
          const shape =
            family === 'additive'
              ? additiveShape(trusted, settings, rng)
              : family === 'patch'
                ? patchShape(trusted, settings, patchRng)
                : warpShape(trusted, settings, warpRng);
          try {
            await optimise(source, target, shape);
            const score = attackRate(model, images, shape.stamp, target) - attackRate(repaired, images, shape.stamp, target);
            (familyScores.get(family) as number[])[target] = score;
            displays.set(`${family}:${target}`, await shape.display());
            checked.add(target);
          } finally {
            shape.dispose();
          }
        }
      } finally {
        images.dispose();
      }
      await options.onProgress?.({
        phase: 'invert',
        step: k + 1,
        totalSteps: candidates.length,
        // The class's best family so far, whatever rule combines them at the end.
        metrics: { class: target, score: Math.max(...families.map((f) => familyScores.get(f)?.[target] ?? 0)) },
      });
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
  };
}

export const calibratedTriggerInversionDetector: Detector<TriggerInversionOptions> = {
  name: 'cti',
  detect: async (model, trusted, options) => {
    const { repairedModel, familyScores: _perFamily, ...result } = await calibratedTriggerInversion(model, trusted, options);
    if (repairedModel !== options.repairedModel) repairedModel.dispose();
    return result;
  },
};
