/**
 * Calibrated Trigger Inversion (CTI) detection. For each candidate target class, optimise an
 * additive full-image trigger that flips the suspect model to that class but NOT its
 * Pivotal-Tuning repair; a real backdoor is exactly such a shortcut, which repair removes.
 * score_c = ASR(trigger on suspect) - ASR(trigger on repaired), model score = max_c score_c.
 */
import * as tf from '@tensorflow/tfjs';
import { type ImageDataset, selectImages } from '../datasets/image-dataset.ts';
import { AntidoteError, throwIfAborted } from '../errors.ts';
import { createRng } from '../random.ts';
import { batchTensor, labelTensor } from '../training/batches.ts';
import { splitTrusted } from './common.ts';
import { type PivotalTuningOptions, pivotalTuning } from './pivotal-tuning.ts';
import type { DefenseOptions, Detector, DetectResult } from './types.ts';

export interface TriggerInversionOptions extends DefenseOptions {
  /** Check only this class (the user's suspicion); default: every class. */
  targetClass?: number;
  /** Check only these classes (ignored when `targetClass` is set); default: every class. */
  candidateClasses?: readonly number[];
  steps?: number;
  batchSize?: number;
  learningRate?: number;
  /** Weight of the calibration term CE(repaired(x'), y). */
  calibrationWeight?: number;
  /**
   * Weight of mean |delta| (an L1 size penalty on the trigger) in the inversion loss. The reference
   * code uses none; on Fashion-MNIST's small CNN an unpenalised full-image trigger flipped clean
   * models as readily as backdoored ones (score 0.84 clean vs 0.86 BadNets, both naming class 0,
   * measured with 50 Adam steps), because a 28x28 grey image has no room to spare. A real trigger
   * is small, so a size penalty keeps only those: with 100, clean models scored 0.065 and 0.093
   * and BadNets models 0.48 and 0.52, each naming the true target (30 separated less: 0.34 vs 0.69).
   */
  normPenalty?: number;
  /** A PT-repaired model to reuse (repair and detection share it); computed when absent. */
  repairedModel?: tf.LayersModel;
  repairOptions?: Omit<PivotalTuningOptions, keyof DefenseOptions>;
  /** Decision threshold on the score, from `calibrateThreshold` over reference clean models. */
  threshold?: number;
}

export const TRIGGER_INVERSION_DEFAULTS = {
  steps: 50,
  batchSize: 64,
  learningRate: 0.01,
  calibrationWeight: 0.5,
  normPenalty: 100,
} as const;

function attackRate(model: tf.LayersModel, images: tf.Tensor4D, delta: tf.Tensor, target: number): number {
  return tf.tidy(() => {
    const triggered = tf.clipByValue(tf.add(images, delta), 0, 1);
    const predicted = tf.argMax(model.predict(triggered) as tf.Tensor, -1);
    return tf.mean(tf.cast(tf.equal(predicted, target), 'float32')).dataSync()[0] ?? 0;
  });
}

export async function calibratedTriggerInversion(
  model: tf.LayersModel,
  trusted: ImageDataset,
  options: TriggerInversionOptions,
): Promise<DetectResult & { repairedModel: tf.LayersModel }> {
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
  const rng = createRng(options.seed ^ 0x1234567);
  const classScores = new Array<number>(numClasses).fill(0);
  const triggers = new Map<number, Float32Array>();

  try {
    for (const [k, target] of candidates.entries()) {
      throwIfAborted(options.signal);
      const source = Array.from(fit.labels.keys()).filter((i) => fit.labels[i] !== target);
      const heldOut = Array.from(validation.labels.keys()).filter((i) => validation.labels[i] !== target);
      if (source.length === 0 || heldOut.length === 0) continue;
      // tf.variable shares the initial tensor's data but does not own the wrapper: release it.
      const initial = tf.tidy(() => tf.mul(tf.randomUniform([1, height, width, channels], 0, 1, 'float32', rng.seed()), 0.01));
      const delta = tf.variable(initial);
      initial.dispose();
      const optimizer = tf.train.adam(settings.learningRate, 0.5, 0.9);
      try {
        for (let step = 0; step < settings.steps; step++) {
          const picks = Int32Array.from(
            { length: Math.min(settings.batchSize, source.length) },
            () => source[rng.int(source.length)] ?? 0,
          );
          const flip = trusted.flipAugment && rng.next() < 0.5;
          tf.tidy(() => {
            let images = batchTensor(fit, picks);
            if (flip) images = tf.reverse(images, 2);
            const labels = labelTensor(fit, picks);
            const targets = tf.oneHot(tf.fill([picks.length], target, 'int32') as tf.Tensor1D, numClasses);
            const truths = tf.oneHot(labels, numClasses);
            optimizer.minimize(
              () => {
                const triggered = tf.clipByValue(tf.add(images, delta), 0, 1);
                const flipSuspect = tf.losses.softmaxCrossEntropy(targets, model.predict(triggered) as tf.Tensor);
                const keepRepaired = tf.losses.softmaxCrossEntropy(truths, repaired.predict(triggered) as tf.Tensor);
                const loss = tf.add(flipSuspect, tf.mul(settings.calibrationWeight, keepRepaired)) as tf.Scalar;
                return settings.normPenalty > 0
                  ? (tf.add(loss, tf.mul(settings.normPenalty, tf.mean(tf.abs(delta)))) as tf.Scalar)
                  : loss;
              },
              false,
              [delta],
            );
          });
          if (step % 10 === 9) await new Promise<void>((resolve) => setImmediate(resolve));
          throwIfAborted(options.signal);
        }
        const held = selectImages(validation, heldOut);
        const images = batchTensor(held, Int32Array.from(held.labels.keys()));
        classScores[target] = attackRate(model, images, delta, target) - attackRate(repaired, images, delta, target);
        images.dispose();
        triggers.set(target, Float32Array.from(await delta.data()));
      } finally {
        optimizer.dispose();
        delta.dispose();
      }
      await options.onProgress?.({
        phase: 'invert',
        step: k + 1,
        totalSteps: candidates.length,
        metrics: { class: target, score: classScores[target] ?? 0 },
      });
    }
  } catch (error) {
    // Cancelled or failed: the repaired reference is released unless the caller owns it.
    if (repaired !== options.repairedModel) repaired.dispose();
    throw error;
  }

  let best = candidates[0] ?? 0;
  for (const c of candidates) if ((classScores[c] ?? 0) > (classScores[best] ?? 0)) best = c;
  const score = classScores[best] ?? 0;
  const pixels = triggers.get(best) ?? null;
  const threshold = options.threshold ?? null;
  return {
    detector: 'cti',
    score,
    classScores: options.targetClass !== undefined ? null : classScores,
    suspectedTarget: best,
    threshold,
    verdict: threshold === null ? 'uncalibrated' : exceedsThreshold(score, threshold) ? 'backdoored' : 'clean',
    // The trigger is additive in [-1, 1]; shift it to [0, 1] for display.
    trigger: pixels ? { pixels: pixels.map((v) => Math.min(1, Math.max(0, 0.5 + v / 2))), height, width, channels } : null,
    seconds: (performance.now() - started) / 1000,
    parameters: {
      steps: settings.steps,
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      calibrationWeight: settings.calibrationWeight,
      normPenalty: settings.normPenalty,
      candidates: candidates.length,
    },
    repairedModel: repaired,
  };
}

/**
 * The verdict rule every consumer of a CTI score shares: strictly above the threshold. It pairs with
 * `calibrateThreshold`, which returns a clean reference model's own score, so that model stays clean.
 */
export function exceedsThreshold(score: number, threshold: number): boolean {
  return score > threshold;
}

/**
 * The decision threshold: the (1 - falsePositiveRate) quantile of scores of reference clean
 * models of the same architecture, trained by Antidote from the tenant's trusted data or supplied.
 */
export function calibrateThreshold(cleanScores: readonly number[], falsePositiveRate = 0.05): number {
  if (cleanScores.length === 0) throw new AntidoteError('INVALID_INPUT', 'Calibration needs at least one reference clean model.');
  const sorted = [...cleanScores].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((1 - falsePositiveRate) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

export const calibratedTriggerInversionDetector: Detector<TriggerInversionOptions> = {
  name: 'cti',
  detect: async (model, trusted, options) => {
    const { repairedModel, ...result } = await calibratedTriggerInversion(model, trusted, options);
    if (repairedModel !== options.repairedModel) repairedModel.dispose();
    return result;
  },
};
