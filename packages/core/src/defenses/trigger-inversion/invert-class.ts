/**
 * One candidate class of Calibrated Trigger Inversion: invert each trigger family towards the
 * class and score it. Classes are independent (each draws from its own seeded streams), so they
 * can run in any order or on any compute thread and give the same scores.
 */
import * as tf from '@tensorflow/tfjs';
import { type ImageDataset, selectImages } from '../../datasets/image-dataset.ts';
import { throwIfAborted } from '../../errors.ts';
import type { TriggerFamily } from '../../formats/names.ts';
import { createRng } from '../../random.ts';
import { batchTensor, labelTensor } from '../../training/batches.ts';
import { additiveShape } from './additive.ts';
import type { TriggerInversionOptions } from './options.ts';
import { patchShape } from './patch.ts';
import { attackRate, type TriggerShape } from './shape.ts';
import { warpShape } from './warp.ts';

export const CLASS_INVERSION_KEYS = [
  'steps',
  'batchSize',
  'learningRate',
  'calibrationWeight',
  'normPenalty',
  'patchSteps',
  'patchBatchSize',
  'patchLearningRate',
  'patchArea',
  'patchExtraAreas',
  'patchOverBudgetWeight',
  'patchMaskWeight',
  'warpSteps',
  'warpBatchSize',
  'warpLearningRate',
  'warpGrid',
  'warpMaxShift',
] as const;

/** The numeric settings one class's inversion reads: plain data, so it can cross to a thread. */
export type ClassInversionSettings = Required<Pick<TriggerInversionOptions, (typeof CLASS_INVERSION_KEYS)[number]>>;

export function classInversionSettings(settings: ClassInversionSettings): ClassInversionSettings {
  return Object.fromEntries(CLASS_INVERSION_KEYS.map((key) => [key, settings[key]])) as ClassInversionSettings;
}

export interface ClassInversion {
  target: number;
  /** Score per family: ASR of the trigger on the suspect less its ASR on the repaired reference. */
  scores: Partial<Record<TriggerFamily, number>>;
  /** The trigger each family found, as HWC pixels in [0, 1]; the patch family's at `patchArea`. */
  displays: Partial<Record<TriggerFamily, Float32Array>>;
  /** The patch family's score at each of `patchExtraAreas` (absent when none was asked for). */
  patchExtraScores?: { area: number; score: number }[];
}

const FAMILY_SALT: Record<TriggerFamily, number> = { additive: 0x1234567, patch: 0x5a7c4, warp: 0x3e11d };

/** The seed of one family's stream for one class: classes never share a stream. */
export function classSeed(seed: number, family: TriggerFamily, target: number): number {
  return ((seed ^ FAMILY_SALT[family]) + Math.imul(target + 1, 0x9e3779b1)) >>> 0;
}

/** The seed of one extra patch budget's stream: every budget of every class has its own. */
export function patchBudgetSeed(seed: number, area: number, target: number): number {
  return classSeed((seed + Math.imul(Math.round(area * 1e6) + 1, 0x85ebca6b)) >>> 0, 'patch', target);
}

/**
 * Inverts every family towards `target` on fit images of other classes and scores it on held-out
 * ones; null when either split has no image of another class.
 */
export async function invertClass(
  model: tf.LayersModel,
  repaired: tf.LayersModel,
  fit: ImageDataset,
  validation: ImageDataset,
  request: { target: number; families: readonly TriggerFamily[]; settings: ClassInversionSettings; seed: number },
  signal?: AbortSignal,
): Promise<ClassInversion | null> {
  const { target, families, settings, seed } = request;
  const source = Array.from(fit.labels.keys()).filter((i) => fit.labels[i] !== target);
  const heldOut = Array.from(validation.labels.keys()).filter((i) => validation.labels[i] !== target);
  if (source.length === 0 || heldOut.length === 0) return null;
  const numClasses = fit.classNames.length;
  const geometry = { height: fit.height, width: fit.width, channels: fit.channels };
  const held = selectImages(validation, heldOut);
  const images = batchTensor(held, Int32Array.from(held.labels.keys()));
  const result: ClassInversion = { target, scores: {}, displays: {} };

  /**
   * Minimises CE(suspect(x'), target) + calibrationWeight * CE(repaired(x'), truth) + the family's
   * size penalty over `variables`, on batches of fit images not of the target class.
   */
  async function optimise({ stamp, sizePenalty, variables, steps, batchSize, learningRate, draw }: TriggerShape): Promise<void> {
    const optimizer = tf.train.adam(learningRate, 0.5, 0.9);
    try {
      for (let step = 0; step < steps; step++) {
        const picks = Int32Array.from({ length: Math.min(batchSize, source.length) }, () => source[draw.int(source.length)] ?? 0);
        const flip = fit.flipAugment && draw.next() < 0.5;
        tf.tidy(() => {
          let batch = batchTensor(fit, picks);
          if (flip) batch = tf.reverse(batch, 2);
          const targets = tf.oneHot(tf.fill([picks.length], target, 'int32') as tf.Tensor1D, numClasses);
          const truths = tf.oneHot(labelTensor(fit, picks), numClasses);
          optimizer.minimize(
            () => {
              const triggered = stamp(batch);
              const flipSuspect = tf.losses.softmaxCrossEntropy(targets, model.predict(triggered) as tf.Tensor);
              const keepRepaired = tf.losses.softmaxCrossEntropy(truths, repaired.predict(triggered) as tf.Tensor);
              return tf.addN([flipSuspect, tf.mul(settings.calibrationWeight, keepRepaired), sizePenalty()]) as tf.Scalar;
            },
            false,
            variables,
          );
        });
        if (step % 10 === 9) await new Promise<void>((resolve) => setImmediate(resolve));
        throwIfAborted(signal);
      }
    } finally {
      optimizer.dispose();
    }
  }

  const score = (shape: TriggerShape) =>
    attackRate(model, images, shape.stamp, target) - attackRate(repaired, images, shape.stamp, target);
  try {
    for (const family of families) {
      const rng = createRng(classSeed(seed, family, target));
      const shape =
        family === 'additive'
          ? additiveShape(geometry, settings, rng)
          : family === 'patch'
            ? patchShape(geometry, settings, rng)
            : warpShape(geometry, settings, rng);
      try {
        await optimise(shape);
        result.scores[family] = score(shape);
        result.displays[family] = await shape.display();
      } finally {
        shape.dispose();
      }
    }
    if (families.includes('patch') && settings.patchExtraAreas.length > 0) {
      result.patchExtraScores = [];
      for (const area of settings.patchExtraAreas) {
        const shape = patchShape(geometry, { ...settings, patchArea: area }, createRng(patchBudgetSeed(seed, area, target)));
        try {
          await optimise(shape);
          result.patchExtraScores.push({ area, score: score(shape) });
        } finally {
          shape.dispose();
        }
      }
    }
  } finally {
    images.dispose();
  }
  return result;
}
