/**
 * Tiny inputs for the task tests (not exported): a synthetic 12x12 grayscale pattern task, a small
 * CNN trained on it in a few seconds (optionally with a BadNets backdoor to class 0), and both
 * turned into the bytes a job receives: a model archive and a zip of class folders.
 */

import { createAttack } from '@antidote/core/attacks';
import { exportImageArchive, type ImageDataset } from '@antidote/core/datasets';
import { createModel, packModelArchive, saveModelToFiles } from '@antidote/core/models';
import { createRng } from '@antidote/core/random';
import { initRuntime, type tf } from '@antidote/core/runtime';
import { trainModel } from '@antidote/core/training';
import type { KnownAttack } from './common.ts';

export const SIDE = 12;
export const TARGET = 0;
export const ATTACK: KnownAttack = { name: 'badnets', targetClass: TARGET, seed: 5 };

/** `count` images of `numClasses` line/shape patterns inside a dark border (balanced, interleaved). */
export function patternDataset(count: number, seed: number, numClasses = 3, side = SIDE): ImageDataset {
  const rng = createRng(seed);
  const images = new Uint8Array(count * side * side);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % numClasses;
    labels[i] = label;
    const shift = rng.int(2);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const inside = y >= 2 && y < side - 2 && x >= 2 && x < side - 2;
        const [u, v] = [y - 2, x - 2];
        let on = false;
        if (inside) {
          if (label === 0) on = (u + shift) % 3 === 0;
          else if (label === 1) on = (v + shift) % 3 === 0;
          else if (label === 2) on = u >= 2 && u < 6 && v >= 2 && v < 6;
          else on = Math.abs(u - v) <= shift;
        }
        images[i * side * side + y * side + x] = (on ? 190 : 25) + rng.int(50);
      }
    }
  }
  return {
    images,
    labels,
    height: side,
    width: side,
    channels: 1,
    classNames: ['horizontal', 'vertical', 'square', 'diagonal'].slice(0, numClasses),
    flipAugment: false,
  };
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
