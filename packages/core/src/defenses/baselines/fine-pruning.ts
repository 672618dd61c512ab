/**
 * Fine-pruning (FP) baseline (Liu, Dolan-Gavitt and Garg, RAID 2018): backdoors tend to live in
 * channels that clean inputs leave dormant. Rank the channels of the last Conv2D layer by their
 * mean activation on trusted images, prune the most dormant ones (zero their kernel slices, bias,
 * and the gamma/beta of a batch norm right after), then fine-tune with the pruned channels held at
 * zero. The pruning amount is the largest fraction whose held-out trusted accuracy stays within
 * the budget; it is never chosen by looking at the attack.
 */
import * as tf from '@tensorflow/tfjs';
import { datasetSize, type ImageDataset } from '../../datasets/image-dataset.ts';
import { AntidoteError, throwIfAborted } from '../../errors.ts';
import { layerVariable, predictBatch } from '../../models/features.ts';
import { batchRanges, batchTensor, range } from '../../training/batches.ts';
import { checkResume, singlePhaseCheckpointing } from '../checkpoint.ts';
import { heldOutReference, splitTrusted, validationAccuracy, workingCopy } from '../common.ts';
import { tuneWithinFloor } from '../floor-tuning.ts';
import type { DefenseOptions, RepairDefense, RepairResult } from '../types.ts';
import {
  CROSS_ENTROPY_REPLICA_LOSS,
  convActivation,
  crossEntropy,
  outputsProbabilities,
  report,
  requireConvLayers,
  tuningReport,
  tuningSchedule,
} from './shared.ts';

export interface FinePruningOptions extends DefenseOptions {
  /** Increment of the pruned fraction of channels between validation checks. Default 0.05. */
  pruneStep?: number;
  /** Never prune more than this fraction of the layer's channels. Default 0.9. */
  maxPruneFraction?: number;
  /**
   * Allowed drop of held-out trusted accuracy, both for choosing the pruning amount and for
   * stopping the fine-tuning that follows. Default 0.02.
   */
  accuracyBudget?: number;
  /** Fine-tuning steps after pruning. Default 300. */
  steps?: number;
  /** Default 128 (capped at the size of the fit split). */
  batchSize?: number;
  /** SGD learning rate of the fine-tuning. Default 0.01. */
  learningRate?: number;
  /** Nesterov momentum. Default 0.9. */
  momentum?: number;
  /** L2 penalty on kernels added to the gradient. Default 5e-4. */
  weightDecay?: number;
  /** Steps between validation checks during fine-tuning. Default 25. */
  evaluateEvery?: number;
}

export const FINE_PRUNING_DEFAULTS = {
  pruneStep: 0.05,
  maxPruneFraction: 0.9,
  accuracyBudget: 0.02,
  steps: 300,
  batchSize: 128,
  learningRate: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
  evaluateEvery: 25,
} as const satisfies Required<Omit<FinePruningOptions, keyof DefenseOptions>>;

export interface FinePruningResult extends RepairResult {
  /** Name of the pruned Conv2D layer. */
  layer: string;
  /** Channels set to zero, most dormant first. */
  prunedChannels: number[];
}

/** Mean activation of each channel over `dataset` (no augmentation), from a sub-model sharing weights. */
async function meanChannelActivation(
  activations: tf.LayersModel,
  dataset: ImageDataset,
  channels: number,
  signal: AbortSignal | undefined,
): Promise<Float64Array> {
  const sums = new Float64Array(channels);
  const count = datasetSize(dataset);
  for (const [start, end] of batchRanges(count, 128)) {
    throwIfAborted(signal);
    const batchMeans = tf.tidy(() => {
      const a = predictBatch(activations, batchTensor(dataset, range(start, end))) as tf.Tensor4D;
      return tf.sum(tf.mean(a, [1, 2]), 0);
    });
    const values = await batchMeans.data();
    batchMeans.dispose();
    for (let c = 0; c < channels; c++) sums[c] = (sums[c] ?? 0) + (values[c] ?? 0);
  }
  return sums.map((s) => s / count);
}

interface PrunableTensors {
  /** Variables whose last axis indexes the layer's output channels. */
  variables: tf.Variable[];
  originals: tf.Tensor[];
}

/** 1 for kept channels, 0 for pruned ones, shaped to broadcast over the last axis of `variable`. */
function keepMask(variable: tf.Variable, channels: number, pruned: readonly number[]): tf.Tensor {
  const keep = new Float32Array(channels).fill(1);
  for (const c of pruned) keep[c] = 0;
  const shape = variable.shape.map((size, axis) => (axis === variable.rank - 1 ? size : 1));
  return tf.tensor(keep, shape);
}

function applyPruning(tensors: PrunableTensors, channels: number, pruned: readonly number[]): void {
  tf.tidy(() => {
    tensors.variables.forEach((variable, i) => {
      const original = tensors.originals[i];
      if (original) variable.assign(tf.mul(original, keepMask(variable, channels, pruned)));
    });
  });
}

export async function finePruning(
  model: tf.LayersModel,
  trusted: ImageDataset,
  options: FinePruningOptions,
): Promise<FinePruningResult> {
  const started = performance.now();
  const settings = { ...FINE_PRUNING_DEFAULTS, ...options };
  const { fit, validation } = splitTrusted(trusted, options);
  // A resumed run re-applies the pruning it recorded instead of ranking and pruning again.
  const resumed = resumedPruning(options);
  const working = await workingCopy(model, trusted);
  const masks: (tf.Tensor | null)[] = [];
  let originals: tf.Tensor[] = [];
  try {
    const convs = requireConvLayers(working, 'Fine-pruning');
    const { conv, tensor, batchNorm } = convActivation(convs[convs.length - 1]!);
    const kernel = layerVariable(conv, 'kernel');
    const channels = kernel?.shape[kernel.rank - 1] ?? 0;
    const variables = [kernel, layerVariable(conv, 'bias')];
    if (batchNorm) variables.push(layerVariable(batchNorm, 'gamma'), layerVariable(batchNorm, 'beta'));
    const prunable: PrunableTensors = { variables: variables.filter((v): v is tf.Variable => v !== null), originals: [] };
    originals = prunable.variables.map((v) => tf.clone(v));
    prunable.originals = originals;

    const reference = await heldOutReference(model, validation);
    const accuracyBefore = reference.accuracy;
    const floor = accuracyBefore - settings.accuracyBudget;
    throwIfAborted(options.signal);
    const means = resumed
      ? new Float64Array(channels)
      : await meanChannelActivation(tf.model({ inputs: working.inputs, outputs: tensor }), fit, channels, options.signal);
    const order = resumed ? resumed.prunedChannels : Array.from(means.keys()).sort((a, b) => (means[a] ?? 0) - (means[b] ?? 0));
    if (resumed && !order.every((c) => Number.isInteger(c) && c >= 0 && c < channels)) {
      throw new AntidoteError('CORRUPT_FILE', 'The fine-pruning checkpoint names channels this model does not have.');
    }
    if (!resumed) await report(options, { phase: 'rank', step: 1, totalSteps: 1 });

    // Liu et al. prune in increasing amounts and stop when accuracy drops; keep the last amount
    // whose held-out accuracy respects the floor (accuracy is not monotone, so stop at the first miss).
    const counts = [
      ...new Set(
        Array.from({ length: Math.floor(settings.maxPruneFraction / settings.pruneStep + 1e-9) }, (_, k) =>
          Math.round((k + 1) * settings.pruneStep * channels),
        ).filter((n) => n > 0 && n < channels),
      ),
    ];
    let chosen = resumed ? resumed.prunedChannels.length : 0;
    let prunedAccuracy = resumed ? resumed.prunedAccuracy : accuracyBefore;
    for (const [k, count] of (resumed ? [] : counts).entries()) {
      throwIfAborted(options.signal);
      applyPruning(prunable, channels, order.slice(0, count));
      const current = await validationAccuracy(working, validation);
      await report(options, {
        phase: 'prune',
        step: k + 1,
        totalSteps: counts.length,
        metrics: { prunedFraction: count / channels, validationAccuracy: current, floor },
      });
      if (current < floor) break;
      chosen = count;
      prunedAccuracy = current;
    }
    const prunedChannels = order.slice(0, chosen);
    applyPruning(prunable, channels, prunedChannels);
    for (const t of originals) t.dispose();
    originals = [];

    // trainModel restores masked entries after every update, so momentum cannot revive a pruned channel.
    const maskById = new Map<number, tf.Tensor>();
    for (const variable of prunable.variables) {
      const mask = keepMask(variable, channels, prunedChannels);
      masks.push(mask);
      maskById.set(variable.id, mask);
    }
    const outcome = await tuneWithinFloor(
      working,
      fit,
      validation,
      {
        phase: 'fine-tune',
        ...tuningSchedule(settings),
        floor,
        startAccuracy: prunedAccuracy,
        reference,
        loss: crossEntropy(outputsProbabilities(model)),
        replicaLoss: CROSS_ENTROPY_REPLICA_LOSS,
        ...(prunedChannels.length > 0
          ? { updateMask: (_step: number, trained: readonly tf.Variable[]) => trained.map((v) => maskById.get(v.id) ?? null) }
          : {}),
        ...checkpointSetting(options, settings.steps, prunedChannels, prunedAccuracy),
      },
      options,
    );
    return {
      model: working,
      defense: 'fine-pruning',
      validationAccuracyBefore: accuracyBefore,
      validationAccuracyAfter: outcome.accuracy,
      steps: outcome.steps,
      checkpoints: outcome.checkpoints,
      seconds: (performance.now() - started) / 1000,
      layer: conv.name,
      prunedChannels,
      parameters: {
        layer: conv.name,
        channels,
        prunedChannels: prunedChannels.length,
        prunedFraction: prunedChannels.length / Math.max(1, channels),
        prunedBatchNorm: batchNorm !== null,
        validationAccuracyPruned: prunedAccuracy,
        pruneStep: settings.pruneStep,
        maxPruneFraction: settings.maxPruneFraction,
        ...tuningReport(settings, outcome, fit, validation),
        ...(outcome.resumedFromStep !== undefined ? { resumedFromStep: outcome.resumedFromStep } : {}),
      },
    };
  } catch (error) {
    working.dispose();
    throw error;
  } finally {
    for (const t of [...originals, ...masks]) t?.dispose();
  }
}

function resumedPruning(options: FinePruningOptions): { prunedChannels: number[]; prunedAccuracy: number } | null {
  const checkpoint = checkResume(options.resumeFrom, 'fine-pruning');
  if (!checkpoint) return null;
  const { prunedChannels, prunedAccuracy } = checkpoint.state;
  if (!Array.isArray(prunedChannels) || typeof prunedAccuracy !== 'number') {
    throw new AntidoteError('CORRUPT_FILE', 'The fine-pruning checkpoint does not record its pruned channels.');
  }
  return { prunedChannels: prunedChannels as number[], prunedAccuracy };
}

function checkpointSetting(options: FinePruningOptions, steps: number, prunedChannels: number[], prunedAccuracy: number) {
  const checkpoint = singlePhaseCheckpointing('fine-pruning', 'fine-tune', steps, options, { prunedChannels, prunedAccuracy });
  return checkpoint ? { checkpoint } : {};
}

export const finePruningDefense: RepairDefense<FinePruningOptions> = { name: 'fine-pruning', repair: finePruning };
