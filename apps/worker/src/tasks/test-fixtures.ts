/**
 * Tiny inputs for the task tests (not exported): core's synthetic 12x12 pattern task
 * (@antidote/core/testing), a small CNN trained on it in a few seconds (optionally with a BadNets
 * backdoor to class 0), and both turned into the bytes a job receives: a model archive and a zip
 * of class folders.
 */

import { createAttack } from '@antidote/core/attacks';
import { exportImageArchive, type ImageDataset } from '@antidote/core/datasets';
import { createModel, packModelArchive, saveModelToFiles } from '@antidote/core/models';
import { initRuntime, type tf } from '@antidote/core/runtime';
import { patternDataset, SIDE, TARGET } from '@antidote/core/testing';
import { trainModel } from '@antidote/core/training';
import type { KnownAttack } from './common.ts';

export { patternDataset, SIDE, TARGET };
export const ATTACK: KnownAttack = { name: 'badnets', targetClass: TARGET, seed: 5 };

/** The same images inside a larger dark frame: a dataset the model's input shape does not fit. */
export function framed(dataset: ImageDataset, side: number): ImageDataset {
  const offset = Math.floor((side - SIDE) / 2);
  const count = dataset.labels.length;
  const images = new Uint8Array(count * side * side).fill(25);
  for (let i = 0; i < count; i++) {
    for (let y = 0; y < SIDE; y++) {
      const from = i * SIDE * SIDE + y * SIDE;
      images.set(dataset.images.subarray(from, from + SIDE), i * side * side + (y + offset) * side + offset);
    }
  }
  return { ...dataset, images, height: side, width: side };
}

export interface TaskFixture {
  model: tf.LayersModel;
  /** The model as a job receives it. */
  modelBytes: Uint8Array;
  /** 240 clean trusted images as a zip of class folders. */
  trustedBytes: Uint8Array;
  trusted: ImageDataset;
}

/** A small CNN trained on pattern data, with BadNets (checkerboard, bottom-right) to class 0 when `backdoored`. */
export async function taskFixture(options: { backdoored: boolean; seed?: number; numClasses?: number }): Promise<TaskFixture> {
  await initRuntime({ backend: 'wasm' });
  const seed = options.seed ?? 7;
  const numClasses = options.numClasses ?? 3;
  let train = patternDataset(360, seed, numClasses);
  if (options.backdoored) {
    const attack = createAttack('badnets', { poisonCount: 48, targetClass: TARGET, seed: ATTACK.seed ?? 0 });
    train = attack.poison(train).dataset;
  }
  const trusted = patternDataset(240, seed + 2, numClasses);
  const model = createModel({ architecture: 'small-cnn', inputShape: [SIDE, SIDE, 1], numClasses, seed });
  await trainModel(model, train, {
    batchSize: 32,
    steps: 120,
    optimizer: 'adam',
    learningRate: 3e-3,
    seed,
    augment: { cropPadding: 0, horizontalFlip: false },
  });
  return {
    model,
    modelBytes: packModelArchive(await saveModelToFiles(model)),
    trustedBytes: exportImageArchive(trusted),
    trusted,
  };
}
