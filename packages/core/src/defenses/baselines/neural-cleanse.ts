/**
 * Neural Cleanse (NC) baseline (Wang et al., IEEE S&P 2019). For every class, reverse-engineer
 * the smallest trigger that sends trusted images to it: a mask m (HxW) and a pattern p (HxWxC),
 * stamped as (1 - m) * x + m * p, minimising CE(model(x'), class) + lambda * |m|_1. A backdoor
 * target needs an abnormally small mask, so the L1 norms are scored with the MAD anomaly index
 * and classes far BELOW the median (index > 2, the paper's cut-off) are flagged.
 * Repair is NC's unlearning: fine-tune on trusted images of which a share carries the reversed
 * trigger with its TRUE label, so the model learns to ignore it.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../datasets/image-dataset.ts';
import { AntidoteError, throwIfAborted } from '../../errors.ts';
import { assertModelFitsDataset, type ModelFiles, saveModelToFiles } from '../../models/model-io.ts';
import { createRng } from '../../random.ts';
import { batchTensor } from '../../training/batches.ts';
import type { LossFunction } from '../../training/train.ts';
import {
  type CheckpointPart,
  checkpointInterval,
  checkResume,
  checkTotalSteps,
  DEFENSE_CHECKPOINT_FORMAT,
  type JsonObject,
  phaseCheckpointing,
  phaseFromJson,
  stateString,
} from '../checkpoint.ts';
import { heldOutReference, splitTrusted, workingCopy } from '../common.ts';
import { tuneWithinFloor } from '../floor-tuning.ts';
import type { DefenseOptions, Detector, DetectResult, RepairDefense, RepairResult } from '../types.ts';
import { augmentParameters, forwardLogits, outputsProbabilities, report, yieldToEventLoop } from './shared.ts';

export interface NeuralCleanseOptions extends DefenseOptions {
  /** Optimisation steps per class. Default 100 (kept small so 10 classes run in reasonable time on a CPU). */
  steps?: number;
  /** Images per optimisation step, drawn from the fit split. Default 32. */
  batchSize?: number;
  /** Adam learning rate (NC's: 0.1, betas 0.5/0.9). Default 0.1. */
  learningRate?: number;
  /** Initial weight of the mask L1 norm. Default 1e-3 (NC's). */
  initialLambda?: number;
  /**
   * NC's cost schedule, checked every `checkEvery` steps on the current batch: lambda * 1.5 when
   * the trigger reaches `attackSuccessThreshold`, lambda / 1.5^1.5 otherwise. False keeps lambda
   * fixed. Default true.
   */
  lambdaSchedule?: boolean;
  /** Share of a batch a reversed trigger must flip to count as a working trigger. Default 0.99. */
  attackSuccessThreshold?: number;
  /** Steps between trigger checks (best-mask bookkeeping and the schedule). Default 5. */
  checkEvery?: number;
  /** Anomaly index above which a below-median class is flagged. Default 2 (the paper's). */
  anomalyThreshold?: number;
}

export const NEURAL_CLEANSE_DEFAULTS = {
  steps: 100,
  batchSize: 32,
  learningRate: 0.1,
  initialLambda: 1e-3,
  lambdaSchedule: true,
  attackSuccessThreshold: 0.99,
  checkEvery: 5,
  anomalyThreshold: 2,
} as const satisfies Required<Omit<NeuralCleanseOptions, keyof DefenseOptions>>;

export interface ReversedTrigger {
  targetClass: number;
  /** HxW mask in [0, 1]. */
  mask: Float32Array;
  /** HxWxC pattern in [0, 1]. */
  pattern: Float32Array;
  /** L1 norm of the mask. */
  norm: number;
  /** Whether any checkpoint reached the attack success threshold (else the final mask is kept). */
  reachedThreshold: boolean;
  /** Attack success of the kept trigger on the batch it was checked on. */
  attackSuccess: number;
}

export interface NeuralCleanseDetection extends DetectResult {
  /** One reversed trigger per class, in class order. */
  triggers: ReversedTrigger[];
  /** Classes flagged as backdoor targets (below the median with anomaly index > threshold). */
  flaggedClasses: number[];
}

/**
 * MAD anomaly index of each class on the small side: (median - l_c) / (1.4826 * MAD). Positive for
 * norms below the median (suspicious), negative above. 1.4826 makes the MAD a consistent estimate
 * of the standard deviation for normal data. A zero MAD (ties) is floored to keep the index finite.
 */
export function anomalyIndices(norms: readonly number[]): number[] {
  const median = (values: readonly number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  };
  const center = median(norms);
  const mad = median(norms.map((n) => Math.abs(n - center)));
  const scale = 1.4826 * Math.max(mad, 1e-9 * Math.max(1, Math.abs(center)));
  return norms.map((n) => (center - n) / scale);
}

/** Optimises one class's mask and pattern on `fit`; returns the smallest working trigger seen. */
async function reverseTrigger(
  model: tf.LayersModel,
  fit: ImageDataset,
  target: number,
  settings: Required<Omit<NeuralCleanseOptions, keyof DefenseOptions>>,
  options: NeuralCleanseOptions,
): Promise<ReversedTrigger> {
  const { height, width, channels } = fit;
  const numClasses = fit.classNames.length;
  const probabilities = outputsProbabilities(model);
  const rng = createRng((options.seed * 7919 + target * 104_729 + 17) >>> 0);
  // Mask starts at 0.5 everywhere; the pattern starts near mid-grey with seeded noise.
  // tf.variable copies its initial value, so the initialisers are built (and released) inside a tidy.
  const maskLogits = tf.tidy(() => tf.variable(tf.zeros([1, height, width, 1])));
  const patternLogits = tf.tidy(() =>
    tf.variable(tf.mul(tf.randomNormal([1, height, width, channels], 0, 1, 'float32', rng.seed()), 0.1)),
  );
  const optimizer = tf.train.adam(settings.learningRate, 0.5, 0.9);
  const targets = tf.tidy(() => tf.oneHot(tf.fill([settings.batchSize], target, 'int32') as tf.Tensor1D, numClasses));
  const stamp = (images: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => {
      const m = tf.sigmoid(maskLogits);
      const p = tf.div(tf.add(tf.tanh(patternLogits), 1), 2);
      return tf.add(tf.mul(tf.sub(1, m), images), tf.mul(m, p)) as tf.Tensor4D;
    });
  let lambda = settings.initialLambda;
  let best: ReversedTrigger | null = null;
  let last: ReversedTrigger | null = null;
  const count = fit.labels.length;
  try {
    for (let step = 0; step < settings.steps; step++) {
      throwIfAborted(options.signal);
      const picks = Int32Array.from({ length: settings.batchSize }, () => rng.int(count));
      const images = batchTensor(fit, picks);
      try {
        const weight = lambda;
        tf.tidy(() => {
          optimizer.minimize(
            () => {
              const logits = forwardLogits(model, stamp(images), false, probabilities);
              const flip = tf.losses.softmaxCrossEntropy(targets, logits);
              return tf.add(flip, tf.mul(weight, tf.sum(tf.sigmoid(maskLogits)))) as tf.Scalar;
            },
            false,
            [maskLogits, patternLogits],
          );
        });
        const done = step + 1;
        if (done % settings.checkEvery === 0 || done === settings.steps) {
          const [success, norm] = tf.tidy(() => {
            const predicted = tf.argMax(forwardLogits(model, stamp(images), false, probabilities), -1);
            return [tf.mean(tf.cast(tf.equal(predicted, target), 'float32')), tf.sum(tf.sigmoid(maskLogits))];
          });
          const attackSuccess = (await success.data())[0] ?? 0;
          const l1 = (await norm.data())[0] ?? 0;
          tf.dispose([success, norm]);
          const reached = attackSuccess >= settings.attackSuccessThreshold;
          if ((reached && (!best || l1 < best.norm)) || done === settings.steps) {
            const [mask, pattern] = tf.tidy(() => [
              tf.sigmoid(maskLogits).reshape([height * width]),
              tf.div(tf.add(tf.tanh(patternLogits), 1), 2).reshape([height * width * channels]),
            ]);
            const snapshot: ReversedTrigger = {
              targetClass: target,
              mask: Float32Array.from(await mask.data()),
              pattern: Float32Array.from(await pattern.data()),
              norm: l1,
              reachedThreshold: reached,
              attackSuccess,
            };
            tf.dispose([mask, pattern]);
            if (reached && (!best || l1 < best.norm)) best = snapshot;
            last = snapshot;
          }
          if (settings.lambdaSchedule) lambda = reached ? lambda * 1.5 : lambda / 1.5 ** 1.5;
        }
        // Every step, so an abort from a timer or another request lands before the next step.
        await yieldToEventLoop();
      } finally {
        images.dispose();
      }
    }
  } finally {
    optimizer.dispose();
    tf.dispose([maskLogits, patternLogits, targets]);
  }
  // `last` is always set: the final step takes a snapshot.
  return best ?? (last as ReversedTrigger);
}

/** Lets a repair checkpoint the per-class inversion and resume it (used by neuralCleanseRepair). */
export interface InversionResume {
  /** Triggers of the first classes, reversed before an interruption; those classes are skipped. */
  done?: readonly ReversedTrigger[];
  /** Called after each class with every trigger so far. */
  onTrigger?: (triggers: readonly ReversedTrigger[]) => Promise<void>;
}

export async function neuralCleanseDetect(
  model: tf.LayersModel,
  trusted: ImageDataset,
  options: NeuralCleanseOptions,
  resume: InversionResume = {},
): Promise<NeuralCleanseDetection> {
  const started = performance.now();
  const settings = { ...NEURAL_CLEANSE_DEFAULTS, ...options };
  assertModelFitsDataset(model, trusted);
  // Triggers are reversed on the fit split only, as every defense choice in Antidote.
  const { fit } = splitTrusted(trusted, options);
  const numClasses = trusted.classNames.length;
  const triggers: ReversedTrigger[] = [...(resume.done ?? [])].slice(0, numClasses);
  for (let target = triggers.length; target < numClasses; target++) {
    throwIfAborted(options.signal);
    const trigger = await reverseTrigger(model, fit, target, settings, options);
    triggers.push(trigger);
    await report(options, {
      phase: 'invert',
      step: target + 1,
      totalSteps: numClasses,
      metrics: { class: target, maskNorm: trigger.norm, attackSuccess: trigger.attackSuccess },
    });
    await resume.onTrigger?.(triggers);
  }
  return detectionFromTriggers(triggers, trusted, settings, fit.labels.length, (performance.now() - started) / 1000);
}

function detectionFromTriggers(
  triggers: ReversedTrigger[],
  trusted: ImageDataset,
  settings: Required<Omit<NeuralCleanseOptions, keyof DefenseOptions>>,
  fitImages: number,
  seconds: number,
): NeuralCleanseDetection {
  const classScores = anomalyIndices(triggers.map((t) => t.norm));
  let suspected = 0;
  triggers.forEach((t, c) => {
    if (t.norm < (triggers[suspected]?.norm ?? Number.POSITIVE_INFINITY)) suspected = c;
  });
  const score = classScores[suspected] ?? 0;
  const flaggedClasses = classScores.flatMap((s, c) => (s > settings.anomalyThreshold ? [c] : []));
  const chosen = triggers[suspected];
  const { height, width, channels } = trusted;
  const pixels = new Float32Array(height * width * channels);
  if (chosen)
    for (let i = 0; i < pixels.length; i++) pixels[i] = (chosen.mask[Math.floor(i / channels)] ?? 0) * (chosen.pattern[i] ?? 0);
  return {
    detector: 'neural-cleanse',
    score,
    classScores,
    suspectedTarget: suspected,
    threshold: settings.anomalyThreshold,
    verdict: score > settings.anomalyThreshold ? 'backdoored' : 'clean',
    trigger: { pixels, height, width, channels },
    seconds,
    parameters: {
      steps: settings.steps,
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      initialLambda: settings.initialLambda,
      lambdaSchedule: settings.lambdaSchedule,
      attackSuccessThreshold: settings.attackSuccessThreshold,
      checkEvery: settings.checkEvery,
      anomalyThreshold: settings.anomalyThreshold,
      fitImages,
    },
    triggers,
    flaggedClasses,
  };
}

export const neuralCleanseDetector: Detector<NeuralCleanseOptions> = {
  name: 'neural-cleanse',
  detect: async (model, trusted, options) => {
    const { triggers: _triggers, flaggedClasses: _flagged, ...result } = await neuralCleanseDetect(model, trusted, options);
    return result;
  },
};

export interface NeuralCleanseRepairOptions extends NeuralCleanseOptions {
  /** A detection to reuse (same model and trusted set); computed when absent. */
  detection?: NeuralCleanseDetection;
  /**
   * Which reversed triggers to unlearn: 'flagged' only (none flagged = plain fine-tuning), or
   * 'flagged-or-suspected', falling back to the smallest-norm class when nothing is flagged, so the
   * repair does not hinge on a threshold meant for a population of many classes. Default
   * 'flagged-or-suspected'.
   */
  unlearn?: 'flagged' | 'flagged-or-suspected';
  /** Share of each unlearning batch stamped with a reversed trigger (true labels kept). Default 0.2 (NC's). */
  unlearnFraction?: number;
  /** Unlearning steps. Default 300. */
  repairSteps?: number;
  /** Default 128 (capped at the size of the fit split). */
  repairBatchSize?: number;
  /** SGD learning rate of the unlearning. Default 0.01. */
  repairLearningRate?: number;
  /** Nesterov momentum. Default 0.9. */
  momentum?: number;
  /** L2 penalty on kernels added to the gradient. Default 5e-4. */
  weightDecay?: number;
  /** Allowed drop of held-out trusted accuracy before stopping. Default 0.02. */
  accuracyBudget?: number;
  /** Steps between validation checks. Default 25. */
  evaluateEvery?: number;
}

export const NEURAL_CLEANSE_REPAIR_DEFAULTS = {
  unlearn: 'flagged-or-suspected',
  unlearnFraction: 0.2,
  repairSteps: 300,
  repairBatchSize: 128,
  repairLearningRate: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
  accuracyBudget: 0.02,
  evaluateEvery: 25,
} as const satisfies Required<Omit<NeuralCleanseRepairOptions, keyof NeuralCleanseOptions | 'detection'>>;

/** CE on batches whose first `fraction` rows carry the reversed triggers (cycled), labels untouched. */
function unlearningLoss(
  stamps: readonly { mask: tf.Tensor4D; pattern: tf.Tensor4D }[],
  fraction: number,
  probabilities: boolean,
): LossFunction {
  return ({ model, images, labels }) => {
    const n = images.shape[0];
    const stamped = stamps.length === 0 ? 0 : Math.round(fraction * n);
    let x: tf.Tensor = images;
    // Batches are already shuffled, so stamping the leading rows is a random choice of images.
    stamps.forEach(({ mask, pattern }, t) => {
      const rows = new Float32Array(n);
      for (let i = t; i < stamped; i += stamps.length) rows[i] = 1;
      const m = tf.mul(tf.tensor4d(rows, [n, 1, 1, 1]), mask);
      x = tf.add(tf.mul(tf.sub(1, m), x), tf.mul(m, pattern));
    });
    const logits = forwardLogits(model, x, true, probabilities);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar;
  };
}

export async function neuralCleanseRepair(
  model: tf.LayersModel,
  trusted: ImageDataset,
  options: NeuralCleanseRepairOptions,
): Promise<RepairResult & { detection: NeuralCleanseDetection }> {
  const started = performance.now();
  const settings = { ...NEURAL_CLEANSE_REPAIR_DEFAULTS, ...options };
  const checkpoints = await inversionCheckpoints(model, trusted, options);
  const detection =
    options.detection ??
    (checkpoints.resumePhase === 'unlearn'
      ? detectionFromTriggers(
          [...checkpoints.resumedTriggers],
          trusted,
          { ...NEURAL_CLEANSE_DEFAULTS, ...options },
          splitTrusted(trusted, options).fit.labels.length,
          0,
        )
      : await neuralCleanseDetect(model, trusted, options, checkpoints.inversion));
  const { fit, validation } = splitTrusted(trusted, options);
  const unlearned =
    detection.flaggedClasses.length > 0 || settings.unlearn === 'flagged' || detection.suspectedTarget === null
      ? detection.flaggedClasses
      : [detection.suspectedTarget];
  const { height, width, channels } = trusted;
  const stamps = unlearned.flatMap((c) => {
    const t = detection.triggers[c];
    return t
      ? [{ mask: tf.tensor4d(t.mask, [1, height, width, 1]), pattern: tf.tensor4d(t.pattern, [1, height, width, channels]) }]
      : [];
  });
  const working = await workingCopy(model, trusted);
  try {
    const reference = await heldOutReference(model, validation);
    const accuracyBefore = reference.accuracy;
    const outcome = await tuneWithinFloor(
      working,
      fit,
      validation,
      {
        phase: 'unlearn',
        steps: settings.repairSteps,
        batchSize: settings.repairBatchSize,
        learningRate: settings.repairLearningRate,
        momentum: settings.momentum,
        weightDecay: settings.weightDecay,
        evaluateEvery: settings.evaluateEvery,
        floor: accuracyBefore - settings.accuracyBudget,
        startAccuracy: accuracyBefore,
        reference,
        loss: unlearningLoss(stamps, settings.unlearnFraction, outputsProbabilities(model)),
        ...checkpoints.unlearn(detection.triggers),
      },
      options,
    );
    return {
      model: working,
      defense: 'neural-cleanse',
      validationAccuracyBefore: accuracyBefore,
      validationAccuracyAfter: outcome.accuracy,
      steps: outcome.steps,
      checkpoints: outcome.checkpoints,
      seconds: (performance.now() - started) / 1000,
      parameters: {
        ...detection.parameters,
        anomalyIndex: detection.score,
        suspectedTarget: detection.suspectedTarget ?? -1,
        flaggedClasses: detection.flaggedClasses.join(','),
        unlearnedClasses: unlearned.join(','),
        unlearn: settings.unlearn,
        unlearnFraction: settings.unlearnFraction,
        repairSteps: settings.repairSteps,
        repairBatchSize: Math.min(settings.repairBatchSize, fit.labels.length),
        optimizer: 'sgd-nesterov',
        repairLearningRate: settings.repairLearningRate,
        momentum: settings.momentum,
        weightDecay: settings.weightDecay,
        accuracyBudget: settings.accuracyBudget,
        evaluateEvery: settings.evaluateEvery,
        stoppedEarly: outcome.stoppedEarly,
        diverged: outcome.diverged,
        ...augmentParameters(fit),
        validationImages: validation.labels.length,
        ...(options.resumeFrom ? { resumedFromStep: options.resumeFrom.step } : {}),
      },
      detection,
    };
  } catch (error) {
    working.dispose();
    throw error;
  } finally {
    for (const s of stamps) tf.dispose([s.mask, s.pattern]);
  }
}

function triggersToJson(triggers: readonly ReversedTrigger[]): CheckpointPart {
  const total = triggers.reduce((n, t) => n + t.mask.length + t.pattern.length, 0);
  const values = new Float32Array(total);
  let offset = 0;
  for (const t of triggers) {
    values.set(t.mask, offset);
    values.set(t.pattern, offset + t.mask.length);
    offset += t.mask.length + t.pattern.length;
  }
  return {
    state: {
      triggers: triggers.map((t) => ({
        targetClass: t.targetClass,
        norm: t.norm,
        reachedThreshold: t.reachedThreshold,
        attackSuccess: t.attackSuccess,
      })),
    },
    files: { 'checkpoint/triggers.bin': new Uint8Array(values.buffer) },
  };
}

function triggersFromJson(state: JsonObject, files: ModelFiles, trusted: ImageDataset): ReversedTrigger[] {
  const bad = () => new AntidoteError('CORRUPT_FILE', 'The Neural Cleanse checkpoint holds damaged triggers.');
  const records = state.triggers;
  const bytes = files['checkpoint/triggers.bin'];
  if (!Array.isArray(records) || !bytes || bytes.byteLength % 4 !== 0) throw bad();
  const values = new Float32Array(bytes.slice().buffer);
  const maskSize = trusted.height * trusted.width;
  const patternSize = maskSize * trusted.channels;
  if (values.length !== records.length * (maskSize + patternSize) || records.length > trusted.classNames.length) throw bad();
  return records.map((record, i) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) throw bad();
    const { targetClass, norm, reachedThreshold, attackSuccess } = record;
    if (targetClass !== i || typeof norm !== 'number' || typeof attackSuccess !== 'number') throw bad();
    const offset = i * (maskSize + patternSize);
    return {
      targetClass: i,
      mask: values.slice(offset, offset + maskSize),
      pattern: values.slice(offset + maskSize, offset + maskSize + patternSize),
      norm,
      reachedThreshold: reachedThreshold === true,
      attackSuccess,
    };
  });
}

/**
 * Neural Cleanse repair checkpoints: after reversed classes during inversion (the suspect's weights
 * plus the triggers so far) and during unlearning (the usual phase checkpoint plus all triggers).
 */
async function inversionCheckpoints(model: tf.LayersModel, trusted: ImageDataset, options: NeuralCleanseRepairOptions) {
  const settings = { ...NEURAL_CLEANSE_DEFAULTS, ...NEURAL_CLEANSE_REPAIR_DEFAULTS, ...options };
  const numClasses = trusted.classNames.length;
  const inversionSteps = options.detection ? 0 : numClasses * settings.steps;
  const totalSteps = inversionSteps + settings.repairSteps;
  const resumeFrom = checkResume(options.resumeFrom, 'neural-cleanse');
  checkTotalSteps(resumeFrom, totalSteps);
  const resumePhase = resumeFrom ? stateString(resumeFrom.state, 'phase') : null;
  if (resumePhase !== null && resumePhase !== 'invert' && resumePhase !== 'unlearn') {
    throw new AntidoteError('CORRUPT_FILE', `The Neural Cleanse checkpoint names an unknown phase "${resumePhase}".`);
  }
  const resumedTriggers = resumeFrom ? triggersFromJson(resumeFrom.state, resumeFrom.files, trusted) : [];
  if (resumePhase === 'unlearn' && resumedTriggers.length !== numClasses) {
    throw new AntidoteError('CORRUPT_FILE', 'The Neural Cleanse checkpoint lacks some of its triggers.');
  }
  const every = checkpointInterval(options);
  const onCheckpoint = options.onCheckpoint;
  let suspectFiles: ModelFiles | null = null;
  let lastCheckpoint = resumeFrom?.step ?? 0;
  const inversion: InversionResume = {
    done: resumePhase === 'invert' ? resumedTriggers : [],
    ...(onCheckpoint && every !== null
      ? {
          onTrigger: async (triggers: readonly ReversedTrigger[]) => {
            const step = triggers.length * settings.steps;
            // The last class hands over to unlearning, whose checkpoints carry every trigger.
            if (step - lastCheckpoint < every || triggers.length === numClasses) return;
            lastCheckpoint = step;
            suspectFiles ??= await saveModelToFiles(model);
            const part = triggersToJson(triggers);
            await onCheckpoint({
              format: DEFENSE_CHECKPOINT_FORMAT,
              defense: 'neural-cleanse',
              step,
              totalSteps,
              state: { phase: 'invert', ...part.state },
              files: { ...suspectFiles, ...part.files },
            });
          },
        }
      : {}),
  };
  const unlearn = (triggers: readonly ReversedTrigger[]) => {
    const checkpoint = phaseCheckpointing({
      defense: 'neural-cleanse',
      phase: 'unlearn',
      offset: inversionSteps,
      totalSteps,
      options,
      extra: () => triggersToJson(triggers),
      ...(resumeFrom && resumePhase === 'unlearn' ? { resume: phaseFromJson(resumeFrom.state, resumeFrom.files) } : {}),
    });
    return checkpoint ? { checkpoint } : {};
  };
  return { resumePhase, resumedTriggers, inversion, unlearn };
}

export const neuralCleanseDefense: RepairDefense<NeuralCleanseRepairOptions> = {
  name: 'neural-cleanse',
  repair: async (model, trusted, options) => {
    const { detection: _detection, ...result } = await neuralCleanseRepair(model, trusted, options);
    return result;
  },
};
