/**
 * Parameter-Controlled Backdoor: the attacker controls training itself (supply chain), not only
 * the data. Steps alternate: on even steps a share of the batch carries the trigger (relabelled
 * to the target) and only a fixed random subset of parameters is updated; odd steps are clean.
 * The backdoor therefore lives in few weights, which the paper found hardest to remove.
 * When the clean odd steps update every weight they wash the backdoor out, so by default they
 * update only the complement of the backdoor subset (docs/method.md#notes-on-the-lab-and-the-engine).
 */
import * as tf from '@tensorflow/tfjs';
import { type ImageDataset, imageSize } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';
import { createRng } from '../random.ts';
import type { BatchHook, TrainOptions } from '../training/train.ts';
import { createBadNets } from './badnets.ts';
import type { AttackOptions, ImageGeometry } from './types.ts';

export interface ParameterControlledOptions extends AttackOptions {
  /** Share of each even-step batch replaced by triggered images. Default 0.1 (the paper's setting). */
  batchPoisonFraction?: number;
  /** Share of each weight tensor the even steps may change. Default 0.1. */
  parameterFraction?: number;
  /** Whether clean (odd) steps leave the backdoor subset alone. Default true. */
  protectBackdoorParameters?: boolean;
}

export const PARAMETER_CONTROLLED_DEFAULTS = {
  batchPoisonFraction: 0.1,
  parameterFraction: 0.1,
  protectBackdoorParameters: true,
} as const;

export interface TrainingControlHooks {
  batchHook: BatchHook;
  updateMask: NonNullable<TrainOptions['updateMask']>;
  /** Releases the mask tensors. */
  dispose(): void;
}

export interface TrainingControlAttack {
  readonly name: 'parameter-controlled';
  readonly kind: 'training-control';
  readonly options: Readonly<Required<ParameterControlledOptions>>;
  applyTrigger(image: Uint8Array, geometry: ImageGeometry): Uint8Array;
  /** Hooks for `trainModel` that implement the attack on `train`. */
  trainingHooks(train: ImageDataset): TrainingControlHooks;
}

export function createParameterControlledBackdoor(options: ParameterControlledOptions): TrainingControlAttack {
  const resolved = { ...PARAMETER_CONTROLLED_DEFAULTS, ...options };
  for (const key of ['batchPoisonFraction', 'parameterFraction'] as const) {
    const value = resolved[key];
    if (!(value > 0 && value <= 1)) {
      throw new AntidoteError('INVALID_INPUT', `parameter-controlled: ${key} must be in (0, 1], got ${value}.`);
    }
  }
  if (!(Number.isInteger(resolved.poisonCount) && resolved.poisonCount >= 1)) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `parameter-controlled: poisonCount (the pool of training images the attacker triggers) must be an integer >= 1, got ${resolved.poisonCount}.`,
    );
  }
  // The trigger itself is a BadNets patch; what differs is how training embeds it.
  const trigger = createBadNets({ poisonCount: 0, targetClass: resolved.targetClass, seed: resolved.seed });

  return {
    name: 'parameter-controlled',
    kind: 'training-control',
    options: resolved,
    applyTrigger: (image, geometry) => trigger.applyTrigger(image, geometry),
    trainingHooks(train) {
      if (resolved.targetClass < 0 || resolved.targetClass >= train.classNames.length) {
        throw new AntidoteError(
          'INVALID_INPUT',
          `parameter-controlled: targetClass must be in 0..${train.classNames.length - 1}.`,
        );
      }
      const rng = createRng(resolved.seed);
      const size = imageSize(train);
      const eligible: number[] = [];
      train.labels.forEach((label, i) => {
        if (label !== resolved.targetClass) eligible.push(i);
      });
      const pool = Array.from(
        { length: Math.min(resolved.poisonCount, eligible.length) },
        () => eligible[rng.int(eligible.length)] ?? 0,
      );
      let masks: tf.Tensor[] | null = null;
      let complements: tf.Tensor[] | null = null;

      const batchHook: BatchHook = ({ dataset, indices }, step) => {
        if (step % 2 === 1) return { dataset, indices };
        const count = indices.length;
        const images = new Uint8Array(count * size);
        const labels = new Int32Array(count);
        const poisoned = Math.max(1, Math.round(count * resolved.batchPoisonFraction));
        const stepRng = createRng((resolved.seed * 7_919 + step) >>> 0);
        for (let i = 0; i < count; i++) {
          const source = i < poisoned ? (pool[stepRng.int(pool.length)] ?? 0) : (indices[i] ?? 0);
          const pixels = dataset.images.subarray(source * size, (source + 1) * size);
          images.set(i < poisoned ? trigger.applyTrigger(pixels, dataset) : pixels, i * size);
          labels[i] = i < poisoned ? resolved.targetClass : (dataset.labels[source] ?? 0);
        }
        return { dataset: { ...dataset, images, labels }, indices: Int32Array.from({ length: count }, (_, i) => i) };
      };

      const updateMask: TrainingControlHooks['updateMask'] = (step, variables) => {
        if (step % 2 === 1 && !resolved.protectBackdoorParameters) return null;
        masks ??= variables.map((v) => {
          const maskRng = createRng((resolved.seed ^ 0x5bd1e995) + v.size);
          const values = new Float32Array(v.size);
          for (let i = 0; i < values.length; i++) values[i] = maskRng.next() < resolved.parameterFraction ? 1 : 0;
          return tf.tensor(values, v.shape);
        });
        if (step % 2 === 0) return masks;
        complements ??= masks.map((m) => tf.sub(1, m));
        return complements;
      };

      return {
        batchHook,
        updateMask,
        dispose: () => {
          for (const m of [...(masks ?? []), ...(complements ?? [])]) m.dispose();
          masks = null;
          complements = null;
        },
      };
    },
  };
}
