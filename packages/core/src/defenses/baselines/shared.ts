/**
 * Pieces the baseline defenses share: a fine-tuning loop that never returns weights below the
 * validation accuracy floor, losses that accept logit or probability outputs, and access to conv
 * activations. Every choice here uses only the validation split, as an honest defense must.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../datasets/image-dataset.ts';
import { AntidoteError, isAntidoteError, throwIfAborted } from '../../errors.ts';
import { outputToLogits } from '../../models/features.ts';
import { type AugmentOptions, defaultAugment } from '../../training/batches.ts';
import { type LossFunction, type TrainOptions, trainModel } from '../../training/train.ts';
import { type PhaseCheckpointing, resumedBestWeights, trainingCheckpointOptions } from '../checkpoint.ts';
import { validationAccuracy } from '../common.ts';
import type { DefenseOptions, DefenseProgress } from '../types.ts';

export { outputsProbabilities } from '../../models/features.ts';

/** Logits of a forward pass; log-probabilities stand in for logits when the model ends in softmax. */
export function forwardLogits(model: tf.LayersModel, images: tf.Tensor, training: boolean, probabilities: boolean): tf.Tensor2D {
  const output = model.apply(images, { training }) as tf.Tensor2D;
  return outputToLogits(output, probabilities) as tf.Tensor2D;
}

export { crossEntropy } from '../../training/train.ts';

/** The augmentation trainModel applies by default to `fit`, for the `parameters` of a result. */
export function augmentParameters(fit: ImageDataset): { cropPadding: number; horizontalFlip: boolean } {
  const { cropPadding, horizontalFlip } = defaultAugment(fit);
  return { cropPadding, horizontalFlip: horizontalFlip && fit.flipAugment };
}

export async function report(options: DefenseOptions, progress: DefenseProgress): Promise<void> {
  await options.onProgress?.(progress);
}

/** How far below the floor held-out accuracy may fall before tuning is abandoned as collapsed. */
export const COLLAPSE_MARGIN = 0.15;

export interface FloorTuning {
  /** Progress phase name. */
  phase: string;
  steps: number;
  batchSize: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  evaluateEvery: number;
  /** Validation accuracy the returned weights must keep. */
  floor: number;
  /** Validation accuracy of the model as handed in (its weights are the first "last good" ones). */
  startAccuracy: number;
  loss: LossFunction;
  updateMask?: TrainOptions['updateMask'];
  /** Seed offset so two tuning phases of one defense do not draw the same batches. */
  seedOffset?: number;
  /** Checkpoints of this phase and/or the snapshot to resume it from (see checkpoint.ts). */
  checkpoint?: PhaseCheckpointing;
  /** SGD with Nesterov momentum unless told otherwise. */
  optimizer?: 'sgd' | 'adam';
  /** Learning-rate warm-up share and cosine decay (trainModel's), off unless set. */
  warmupFraction?: number;
  cosineDecay?: boolean;
  augment?: AugmentOptions;
  /** The variables to train; all of the model's trainable weights unless set. */
  variables?: tf.Variable[];
  /** Distance below the floor that counts as a collapse; COLLAPSE_MARGIN unless set. */
  collapseMargin?: number;
  /** A collapse is judged only after this phase step (a re-initialised head starts at chance). */
  collapseAfterStep?: number;
  /**
   * Weights returned when no checkpoint respects the floor; the weights `working` starts with
   * unless set (PT starts from a re-initialised head, so it falls back to the suspect's weights).
   * Copied; the caller keeps ownership.
   */
  fallbackWeights?: readonly tf.Tensor[];
  /** Return the final weights instead of the latest within the floor, unless training collapsed. */
  keepFinal?: boolean;
  /**
   * Also hand back, as `keptFinalWeights`, copies of the weights `keepFinal` would have returned:
   * the training path does not depend on `keepFinal`, so one run serves both selections.
   */
  captureKeepFinal?: boolean;
}

export interface FloorTuningOutcome {
  /** Training steps behind the returned weights (the last checkpoint that respected the floor). */
  steps: number;
  /** Validation accuracy of the returned weights. */
  accuracy: number;
  /** True when accuracy collapsed far below the floor (or training diverged) and training stopped there. */
  stoppedEarly: boolean;
  /** True when the loss became NaN or infinite. */
  diverged: boolean;
  /** The phase step a resumed run continued from. */
  resumedFromStep?: number;
  /** Phase steps actually trained (fewer than planned after a collapse). */
  stepsRun: number;
  /** With `captureKeepFinal`: the weights `keepFinal` would have returned, owned by the caller. */
  keptFinalWeights?: tf.Tensor[];
}

/** The SGD schedule of a baseline's fine-tuning phase, as its options name it. */
export interface TuningSchedule {
  steps: number;
  batchSize: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  evaluateEvery: number;
}

/** Picks the schedule out of a defense's resolved settings, for `tuneWithinFloor`. */
export function tuningSchedule(settings: TuningSchedule): TuningSchedule {
  const { steps, batchSize, learningRate, momentum, weightDecay, evaluateEvery } = settings;
  return { steps, batchSize, learningRate, momentum, weightDecay, evaluateEvery };
}

/** The `parameters` entries every fine-tuning baseline reports about its tuning phase. */
export function tuningReport(
  settings: TuningSchedule & { accuracyBudget: number },
  outcome: Pick<FloorTuningOutcome, 'stoppedEarly' | 'diverged'>,
  fit: ImageDataset,
  validation: ImageDataset,
): Record<string, number | string | boolean> {
  return {
    ...tuningSchedule(settings),
    batchSize: Math.min(settings.batchSize, fit.labels.length),
    optimizer: 'sgd-nesterov',
    accuracyBudget: settings.accuracyBudget,
    stoppedEarly: outcome.stoppedEarly,
    diverged: outcome.diverged,
    ...augmentParameters(fit),
    fitImages: fit.labels.length,
    validationImages: validation.labels.length,
  };
}

/** trainModel reports a NaN/infinite loss as INVALID_INPUT with this wording. */
function isDivergence(error: unknown): boolean {
  return isAntidoteError(error, 'INVALID_INPUT') && /diverged/.test(error.message);
}

/** Kernels of every layer (the weights L2 decay applies to; biases and BN parameters are left alone). */
export function kernelVariables(model: tf.LayersModel): tf.Variable[] {
  return model.layers.flatMap((layer) => {
    const kernel = layerVariable(layer, 'kernel');
    return kernel ? [kernel] : [];
  });
}

/**
 * Adds (decay / 2) * sum(kernel^2) to the loss, whose gradient is the usual decay * kernel.
 * trainModel's own `weightDecay` finds kernels by `name`, which no longer ends in "kernel" once a
 * model has been cloned (`kernel_1`), so on the working copies the defenses train it would be a no-op.
 */
export function withWeightDecay(loss: LossFunction, kernels: readonly tf.Variable[], decay: number): LossFunction {
  return (context) => {
    const penalty = tf.addN(kernels.map((k) => tf.sum(tf.square(k))));
    return tf.add(loss(context), tf.mul(decay / 2, penalty)) as tf.Scalar;
  };
}

/**
 * SGD (Nesterov momentum) training of `working` in place, evaluated on `validation` every
 * `evaluateEvery` steps. The result is the LATEST checkpoint at or above the floor (the suspect's
 * weights when none is), so it never breaks the accuracy budget. Training goes on through dips
 * below the floor and stops early only on a collapse (COLLAPSE_MARGIN below it) or divergence:
 * with 1% trusted data the floor is judged on ~120 images (+-2.7 points of noise), and stopping at
 * the first dip returned the untouched suspect on Fashion-MNIST (measured with bench:efficacy).
 * A caller's cancellation throws CANCELLED; the caller still owns (and must dispose) `working`.
 */
export async function tuneWithinFloor(
  working: tf.LayersModel,
  fit: ImageDataset,
  validation: ImageDataset,
  settings: FloorTuning,
  options: DefenseOptions,
): Promise<FloorTuningOutcome> {
  throwIfAborted(options.signal);
  if (settings.steps <= 0) {
    if (settings.fallbackWeights) working.setWeights([...settings.fallbackWeights]);
    return {
      steps: 0,
      accuracy: settings.startAccuracy,
      stoppedEarly: false,
      diverged: false,
      stepsRun: 0,
      ...(settings.captureKeepFinal ? { keptFinalWeights: working.getWeights().map((w) => tf.clone(w)) } : {}),
    };
  }
  let lastGood: tf.Tensor[] = (settings.fallbackWeights ?? working.getWeights()).map((w) => tf.clone(w));
  const collapseMargin = settings.collapseMargin ?? COLLAPSE_MARGIN;
  let stepsRun = settings.steps;
  let evaluatedStep = 0;
  let lastGoodStep = 0;
  let accuracy = settings.startAccuracy;
  let diverged = false;
  const resume = settings.checkpoint?.resume;
  if (resume) {
    try {
      const best = await resumedBestWeights(resume);
      if (best) {
        for (const w of lastGood) w.dispose();
        lastGood = best;
      }
    } catch (error) {
      for (const w of lastGood) w.dispose();
      throw error;
    }
    lastGoodStep = resume.bestStep;
    accuracy = resume.bestAccuracy;
  }
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  try {
    await trainModel(working, fit, {
      batchSize: Math.min(settings.batchSize, fit.labels.length),
      steps: settings.steps,
      optimizer: settings.optimizer ?? 'sgd',
      learningRate: settings.learningRate,
      momentum: settings.momentum,
      ...(settings.warmupFraction !== undefined ? { warmupFraction: settings.warmupFraction } : {}),
      ...(settings.cosineDecay !== undefined ? { cosineDecay: settings.cosineDecay } : {}),
      ...(settings.augment ? { augment: settings.augment } : {}),
      ...(settings.variables ? { variables: settings.variables } : {}),
      seed: (options.seed + (settings.seedOffset ?? 0)) >>> 0,
      loss:
        settings.weightDecay > 0 ? withWeightDecay(settings.loss, kernelVariables(working), settings.weightDecay) : settings.loss,
      ...(settings.updateMask ? { updateMask: settings.updateMask } : {}),
      ...trainingCheckpointOptions(settings.checkpoint, () => ({ step: lastGoodStep, accuracy, weights: lastGood })),
      signal,
      progressEvery: settings.evaluateEvery,
      evaluateEvery: settings.evaluateEvery,
      evaluate: async (step) => {
        evaluatedStep = step;
        const current = await validationAccuracy(working, validation);
        if (current >= settings.floor) {
          for (const w of lastGood) w.dispose();
          lastGood = working.getWeights().map((w) => tf.clone(w));
          lastGoodStep = step;
          accuracy = current;
        } else if (current < settings.floor - collapseMargin && step > (settings.collapseAfterStep ?? 0)) {
          stepsRun = step;
          stop.abort(new Error('validation accuracy collapsed'));
        }
        return { validationAccuracy: current, floor: settings.floor, chosenStep: lastGoodStep };
      },
      onProgress: (p) =>
        report(options, {
          phase: settings.phase,
          step: p.step,
          totalSteps: p.totalSteps,
          metrics: { loss: p.loss, ...p.metrics },
        }),
    });
  } catch (error) {
    // Our own floor stop is a normal end, and so is divergence: a NaN model is just a checkpoint
    // below the floor (NAD relies on this to back off from a too-large beta). A caller's
    // cancellation or any other failure is not.
    diverged = !options.signal?.aborted && isDivergence(error);
    if (diverged) stepsRun = evaluatedStep;
    if (!(stop.signal.aborted || diverged) || options.signal?.aborted) {
      for (const w of lastGood) w.dispose();
      throwIfAborted(options.signal);
      throw error;
    }
  }
  const stoppedEarly = stop.signal.aborted || diverged;
  const keptFinalWeights = settings.captureKeepFinal
    ? (stoppedEarly ? lastGood : working.getWeights()).map((w) => tf.clone(w))
    : undefined;
  if (settings.keepFinal && !stoppedEarly) {
    lastGoodStep = stepsRun;
    accuracy = await validationAccuracy(working, validation);
  } else {
    working.setWeights(lastGood);
  }
  for (const w of lastGood) w.dispose();
  return {
    steps: lastGoodStep,
    accuracy,
    stoppedEarly,
    diverged,
    stepsRun,
    ...(resume ? { resumedFromStep: resume.training.step } : {}),
    ...(keptFinalWeights ? { keptFinalWeights } : {}),
  };
}

/**
 * The trainable tf.Variable behind a layer weight whose name ends with `suffix`, if any. Matches
 * `originalName`: TF.js uniquifies `name` when a model is loaded next to another (`kernel_1`).
 */
export function layerVariable(layer: tf.layers.Layer, suffix: string): tf.Variable | null {
  const weight = layer.trainableWeights.find((w) => w.originalName.endsWith(suffix));
  return weight ? (weight.read() as tf.Variable) : null;
}

export function conv2dLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter((layer) => layer.getClassName() === 'Conv2D');
}

const FOLLOWERS = new Set(['BatchNormalization', 'Activation', 'ReLU', 'LeakyReLU', 'ELU']);

export interface ConvActivation {
  conv: tf.layers.Layer;
  /** The channel activations: the conv output followed through BN/activation layers that only it feeds. */
  tensor: tf.SymbolicTensor;
  /** A batch-norm layer right after the conv (its gamma/beta must be zeroed with a pruned channel). */
  batchNorm: tf.layers.Layer | null;
}

/**
 * Where a conv layer's channels "fire": ResNet-style convs are linear and followed by BN + ReLU,
 * so their raw output is not the activation Liu et al. and NAD look at. Follows single-consumer
 * chains of BN/activation layers (stops at adds, pools and anything shared).
 */
export function convActivation(conv: tf.layers.Layer): ConvActivation {
  let current = conv;
  let tensor = conv.output as tf.SymbolicTensor;
  let batchNorm: tf.layers.Layer | null = null;
  for (;;) {
    const consumers = current.outboundNodes.map((node) => node.outboundLayer);
    const next = consumers[0];
    if (consumers.length !== 1 || !next || !FOLLOWERS.has(next.getClassName()) || next.inboundNodes.length !== 1) break;
    if (next.getClassName() === 'BatchNormalization') {
      if (current !== conv) break;
      batchNorm = next;
    }
    current = next;
    tensor = next.output as tf.SymbolicTensor;
  }
  return { conv, tensor, batchNorm };
}

export function requireConvLayers(model: tf.LayersModel, defense: string): tf.layers.Layer[] {
  const convs = conv2dLayers(model);
  if (convs.length === 0) {
    throw new AntidoteError('SHAPE_MISMATCH', `${defense} needs a model with at least one Conv2D layer; this one has none.`);
  }
  return convs;
}

/** Lets an abort or a progress consumer run during long loops that do not await otherwise. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
