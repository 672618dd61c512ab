/**
 * Pieces the baseline defenses share: losses that accept logit or probability outputs, the report
 * of a tuning phase, and access to conv activations. Their fine-tuning loop is `floor-tuning.ts`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../datasets/image-dataset.ts';
import { AntidoteError } from '../../errors.ts';
import { outputToLogits } from '../../models/features.ts';
import { defaultAugment } from '../../training/batches.ts';
import type { FloorTuningOutcome } from '../floor-tuning.ts';
import type { DefenseOptions, DefenseProgress } from '../types.ts';

export { outputsProbabilities } from '../../models/features.ts';

/** Logits of a forward pass; log-probabilities stand in for logits when the model ends in softmax. */
export function forwardLogits(model: tf.LayersModel, images: tf.Tensor, training: boolean, probabilities: boolean): tf.Tensor2D {
  const output = model.apply(images, { training }) as tf.Tensor2D;
  return outputToLogits(output, probabilities) as tf.Tensor2D;
}

export { CROSS_ENTROPY_REPLICA_LOSS, crossEntropy } from '../../training/train.ts';

/** The augmentation trainModel applies by default to `fit`, for the `parameters` of a result. */
export function augmentParameters(fit: ImageDataset): { cropPadding: number; horizontalFlip: boolean } {
  const { cropPadding, horizontalFlip } = defaultAugment(fit);
  return { cropPadding, horizontalFlip: horizontalFlip && fit.flipAugment };
}

export async function report(options: DefenseOptions, progress: DefenseProgress): Promise<void> {
  await options.onProgress?.(progress);
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
