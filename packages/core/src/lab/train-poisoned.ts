/**
 * The red-team lab's end-to-end step: poison a training set (or control training), train a
 * model from scratch, and measure CDA, ASR and ARR on the held-out test set.
 */

import type * as tf from '@tensorflow/tfjs';
import { type Attack, createAttack, triggeredTestSet } from '../attacks/index.ts';
import { createParameterControlledBackdoor, type TrainingControlAttack } from '../attacks/parameter-controlled.ts';
import type { AttackName } from '../attacks/types.ts';
import { ATTACK_NAMES } from '../attacks/types.ts';
import type { ImageDataset } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';
import { LAB_ATTACK_NAMES, type LabAttackName } from '../formats/names.ts';
import { evaluateAttack, evaluateClean } from '../metrics/metrics.ts';
import { type Architecture, createModel } from '../models/zoo.ts';
import type { ThreadPool } from '../parallel/pool.ts';
import type { AugmentOptions } from '../training/batches.ts';
import { type TrainingProgress, trainModel } from '../training/train.ts';

export { LAB_ATTACK_NAMES, type LabAttackName };

export interface LabAttackSpec {
  name: LabAttackName;
  poisonCount: number;
  targetClass: number;
  seed: number;
  /** Attack-specific knobs (see each attack's defaults). */
  params?: Record<string, unknown>;
}

export interface TrainRecipe {
  architecture: Architecture;
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'sgd' | 'adam';
  seed: number;
  /** The victim's augmentation; defaults to the dataset's (crop with padding, flips where allowed). */
  augment?: AugmentOptions;
}

/**
 * The victim's training recipe in the lab: no augmentation, because flips move a corner patch
 * and three epochs cannot absorb the variation, so backdoors implant far less
 * (docs/method.md#notes-on-the-lab-and-the-engine). Defenses still use augmentation.
 */
export const DEFAULT_RECIPE: TrainRecipe = {
  architecture: 'small-cnn',
  epochs: 3,
  batchSize: 128,
  learningRate: 2e-3,
  optimizer: 'adam',
  seed: 1,
  augment: { cropPadding: 0, horizontalFlip: false },
};

export interface TrainLabModelOptions {
  train: ImageDataset;
  test: ImageDataset;
  /** Omit for a clean reference model. */
  attack?: LabAttackSpec;
  recipe?: Partial<TrainRecipe>;
  /** Compute threads to split each batch over (data-parallel); this thread alone when absent. */
  pool?: ThreadPool;
  signal?: AbortSignal;
  onProgress?: (progress: TrainingProgress) => void | Promise<void>;
}

export interface LabModelResult {
  model: tf.LayersModel;
  recipe: TrainRecipe;
  attack: LabAttackSpec | null;
  poisonedIndices: number[];
  cda: number;
  /** Null for a clean model. */
  asr: number | null;
  arr: number | null;
  trainSeconds: number;
  imagesPerSecond: number;
}

export type AnyAttack = Attack | TrainingControlAttack;

export function createLabAttack(spec: LabAttackSpec): AnyAttack {
  const base = { poisonCount: spec.poisonCount, targetClass: spec.targetClass, seed: spec.seed, ...(spec.params ?? {}) };
  if (spec.name === 'parameter-controlled') return createParameterControlledBackdoor(base);
  if (!(ATTACK_NAMES as readonly string[]).includes(spec.name)) {
    throw new AntidoteError('NOT_FOUND', `Unknown attack "${spec.name}"; choose one of ${LAB_ATTACK_NAMES.join(', ')}.`);
  }
  return createAttack(spec.name as AttackName, base);
}

export async function trainLabModel(options: TrainLabModelOptions): Promise<LabModelResult> {
  const recipe = { ...DEFAULT_RECIPE, ...options.recipe };
  const { train, test } = options;
  const attack = options.attack ? createLabAttack(options.attack) : null;
  let trainingSet = train;
  let poisonedIndices: number[] = [];
  let hooks: ReturnType<TrainingControlAttack['trainingHooks']> | null = null;
  if (attack && 'poison' in attack) {
    const result = attack.poison(train);
    trainingSet = result.dataset;
    poisonedIndices = result.poisonedIndices;
  } else if (attack) {
    hooks = attack.trainingHooks(train);
  }
  const model = createModel({
    architecture: recipe.architecture,
    inputShape: [train.height, train.width, train.channels],
    numClasses: train.classNames.length,
    seed: recipe.seed,
  });
  try {
    const result = await trainModel(model, trainingSet, {
      batchSize: recipe.batchSize,
      epochs: recipe.epochs,
      optimizer: recipe.optimizer,
      learningRate: recipe.learningRate,
      cosineDecay: true,
      seed: recipe.seed,
      ...(recipe.augment ? { augment: recipe.augment } : {}),
      ...(hooks ? { batchHook: hooks.batchHook, updateMask: hooks.updateMask } : {}),
      ...(options.pool ? { pool: options.pool } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const clean = await evaluateClean(model, test);
    const attackReport = attack ? await evaluateAttack(model, triggeredTestSet(attack, test), attack.options.targetClass) : null;
    return {
      model,
      recipe,
      attack: options.attack ?? null,
      poisonedIndices,
      cda: clean.cda,
      asr: attackReport?.asr ?? null,
      arr: attackReport?.arr ?? null,
      trainSeconds: result.seconds,
      imagesPerSecond: result.imagesPerSecond,
    };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    hooks?.dispose();
  }
}
