/**
 * Test fixtures for the baseline defenses (not exported from the package): a tiny synthetic
 * image task and a small CNN trained on it with a planted BadNets-style backdoor, so each test
 * file can check a defense end to end in seconds.
 */
import * as tf from '@tensorflow/tfjs';
import { createWaNet } from '../../attacks/wanet.ts';
import type { ImageDataset } from '../../datasets/image-dataset.ts';
import { predictClasses } from '../../metrics/metrics.ts';
import { createModel } from '../../models/zoo.ts';
import { createRng, type Rng } from '../../random.ts';
import { trainModel } from '../../training/train.ts';
import type { DefenseProgress } from '../types.ts';

export const SIDE = 12;
export const TARGET = 0;
/** The trigger: a saturated 3x3 patch in the bottom-right corner (which is dark in clean images). */
export const PATCH = 3;
const CLASS_NAMES = ['horizontal', 'vertical', 'square', 'diagonal', 'ring'];

function drawClass(pixels: Uint8Array, offset: number, label: number, rng: Rng): void {
  // Patterns stay inside a dark 2-pixel border, so the corner trigger is unlike any clean feature.
  const shift = rng.int(2);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const inside = y >= 2 && y < SIDE - 2 && x >= 2 && x < SIDE - 2;
      const [u, v] = [y - 2, x - 2];
      let on = false;
      if (inside) {
        if (label === 0) on = (u + shift) % 3 === 0;
        else if (label === 1) on = (v + shift) % 3 === 0;
        else if (label === 2) on = u >= 2 && u < 6 && v >= 2 && v < 6;
        else if (label === 3) on = Math.abs(u - v) <= shift;
        else on = Math.max(Math.abs(u - 3.5), Math.abs(v - 3.5)) > 2.5;
      }
      pixels[offset + y * SIDE + x] = (on ? 190 : 25) + rng.int(50);
    }
  }
}

/** `count` images of `numClasses` pattern classes (balanced, interleaved), grayscale 12x12. */
export function patternDataset(count: number, seed: number, numClasses = 3): ImageDataset {
  const rng = createRng(seed);
  const images = new Uint8Array(count * SIDE * SIDE);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % numClasses;
    drawClass(images, i * SIDE * SIDE, i % numClasses, rng);
  }
  return {
    images,
    labels,
    height: SIDE,
    width: SIDE,
    channels: 1,
    classNames: CLASS_NAMES.slice(0, numClasses),
    flipAugment: false,
  };
}

export function stampTrigger(pixels: Uint8Array, offset: number): void {
  for (let y = SIDE - PATCH; y < SIDE; y++) for (let x = SIDE - PATCH; x < SIDE; x++) pixels[offset + y * SIDE + x] = 255;
}

/**
 * Copies of the non-target images of `dataset` with a trigger, keeping their true labels; the
 * fixture's corner patch unless `apply` (a copy of one image -> its triggered version) is given.
 */
export function triggeredCopies(dataset: ImageDataset, apply?: (image: Uint8Array) => Uint8Array): ImageDataset {
  const keep = Array.from(dataset.labels.keys()).filter((i) => dataset.labels[i] !== TARGET);
  const size = SIDE * SIDE;
  const images = new Uint8Array(keep.length * size);
  const labels = new Int32Array(keep.length);
  keep.forEach((source, i) => {
    const image = dataset.images.slice(source * size, (source + 1) * size);
    images.set(apply ? apply(image) : image, i * size);
    labels[i] = dataset.labels[source] ?? 0;
    if (!apply) stampTrigger(images, i * size);
  });
  return { ...dataset, images, labels };
}

/** Stamps the trigger on `fraction` of the non-target images and relabels them to the target. */
export function poison(dataset: ImageDataset, fraction: number, seed: number): ImageDataset {
  const rng = createRng(seed);
  const images = Uint8Array.from(dataset.images);
  const labels = Int32Array.from(dataset.labels);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== TARGET && rng.next() < fraction) {
      stampTrigger(images, i * SIDE * SIDE);
      labels[i] = TARGET;
    }
  }
  return { ...dataset, images, labels };
}

export interface BackdooredFixture {
  model: tf.LayersModel;
  /** Clean, correctly labelled data the defender owns. */
  trusted: ImageDataset;
  test: ImageDataset;
  triggeredTest: ImageDataset;
  cda: number;
  asr: number;
}

export async function rates(model: tf.LayersModel, test: ImageDataset, triggeredTest: ImageDataset) {
  const clean = await predictClasses(model, test);
  const triggered = await predictClasses(model, triggeredTest);
  const cda = clean.filter((p, i) => p === test.labels[i]).length / clean.length;
  const asr = triggered.filter((p) => p === TARGET).length / triggered.length;
  return { cda, asr };
}

/** A small CNN trained on poisoned pattern data: high clean accuracy and a working backdoor. */
export async function backdooredFixture(
  numClasses = 3,
  seed = 7,
  build: (numClasses: number, seed: number) => tf.LayersModel = (n, s) =>
    createModel({ architecture: 'small-cnn', inputShape: [SIDE, SIDE, 1], numClasses: n, seed: s }),
): Promise<BackdooredFixture> {
  const train = poison(patternDataset(360, seed, numClasses), 0.2, seed + 1);
  return trainFixture(train, numClasses, seed, triggeredCopies, build(numClasses, seed));
}

/** Trains `model` on `train` and pairs it with the task's trusted, test and triggered test sets. */
async function trainFixture(
  train: ImageDataset,
  numClasses: number,
  seed: number,
  triggered: (test: ImageDataset) => ImageDataset,
  model: tf.LayersModel,
): Promise<BackdooredFixture> {
  const trusted = patternDataset(240, seed + 2, numClasses);
  const test = patternDataset(150, seed + 3, numClasses);
  const triggeredTest = triggered(test);
  await trainModel(model, train, {
    batchSize: 32,
    steps: 120,
    optimizer: 'adam',
    learningRate: 3e-3,
    seed,
    augment: { cropPadding: 0, horizontalFlip: false },
  });
  return { model, trusted, test, triggeredTest, ...(await rates(model, test, triggeredTest)) };
}

/**
 * The same task with a WaNet warp backdoor instead of a patch: 72 of 360 training images warped
 * (k = 4, strength 3, about 1.4 px per unit of field on 12 px) and relabelled to the target, without
 * WaNet's noise mode, so a small CNN learns it in 120 steps (measured: CDA 1.0, ASR 1.0).
 */
export async function warpedFixture(seed = 7): Promise<BackdooredFixture> {
  const attack = createWaNet({ poisonCount: 72, targetClass: TARGET, seed: 1, k: 4, s: 3, noiseMode: false });
  const train = attack.poison(patternDataset(360, seed, 3)).dataset;
  return trainFixture(
    train,
    3,
    seed,
    (test) => triggeredCopies(test, (image) => attack.applyTrigger(image, test)),
    createModel({ architecture: 'small-cnn', inputShape: [SIDE, SIDE, 1], numClasses: 3, seed }),
  );
}

export async function weightValues(model: tf.LayersModel): Promise<number[][]> {
  return Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));
}

/** Phases in order of first appearance, failing (returning null) if a phase reappears later or steps go backwards. */
export function orderedPhases(events: readonly DefenseProgress[]): string[] | null {
  const phases: string[] = [];
  let last: DefenseProgress | undefined;
  for (const event of events) {
    if (event.step < 1 || event.step > event.totalSteps) return null;
    if (last?.phase === event.phase) {
      if (event.step <= last.step) return null;
    } else {
      if (phases.includes(event.phase)) return null;
      phases.push(event.phase);
    }
    last = event;
  }
  return phases;
}

/**
 * A ResNet-style tail: the last conv is linear and followed by batch norm and an activation, so a
 * pruned channel only stays dead if BN gamma/beta are pruned and masked too. ELU rather than ReLU:
 * ReLU's gradient at exactly 0 is 0, which would keep a zeroed channel dead even without the mask
 * and make the test unable to fail; ELU passes gradient to beta there.
 */
export function convBnModel(numClasses: number, seed: number): tf.LayersModel {
  const init = (offset: number) => tf.initializers.heNormal({ seed: seed * 31 + offset });
  const input = tf.input({ shape: [SIDE, SIDE, 1] });
  let x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: 16, kernelSize: 3, padding: 'same', kernelInitializer: init(2), name: 'tail' })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'elu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: numClasses, kernelInitializer: init(3) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}
