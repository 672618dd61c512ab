/**
 * Label-consistent (adversarial clean-label) backdoor (Turner, Tsipras & Madry, "Label-Consistent
 * Backdoor Attacks", 2019). Only images OF the target class are poisoned and every label is kept.
 * Each one is first pushed away from its own class by an L-inf PGD perturbation against a clean
 * surrogate, so its natural features become hard to learn from, and then stamped with a patch;
 * the model then leans on the patch to get those images right, and the patch alone flips other
 * classes at test time.
 *
 * Kept cheap and tensor-free: the surrogate is a multinomial logistic regression fitted on the
 * (unpoisoned) training set by a few epochs of seeded mini-batch SGD in plain JS, whose input
 * gradient is exact, so no TensorFlow model is trained and the attack stays synchronous and
 * byte-reproducible. Turner et al. attack a deeper (adversarially trained) surrogate; a linear one
 * transfers less, which `epsilon` compensates for. Trigger: the BadNets checkerboard at all four
 * corners, as Turner et al. use, so it survives horizontal flips.
 */

import type { ImageDataset } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';
import { type Rng, shuffleInPlace } from '../random.ts';
import { booleanOption, integerOption, numberOption, readOptions } from './options.ts';
import { defineAttack, type LooseAttackOptions } from './poisoning.ts';
import {
  blackWhitePixels,
  CORNERS,
  cornerPosition,
  defaultPatchSide,
  deriveRng,
  type Patch,
  stampPatch,
  toByte,
} from './triggers.ts';
import type { Attack, AttackOptions, ImageGeometry } from './types.ts';

export interface LabelConsistentOptions extends AttackOptions {
  /** L-inf bound of the adversarial perturbation, in grey levels [0, 255]; 0 = patch only. Default 32. */
  epsilon?: number;
  /** PGD steps (step size 2.5 * epsilon / steps, as in Madry et al.), an integer in 1..100. Default 10. */
  pgdSteps?: number;
  /** Epochs of SGD fitting the linear surrogate, an integer in 1..20. Default 3. */
  surrogateEpochs?: number;
  /** Stamp the checkerboard at all four corners (true) or only bottom-right (false). Default true. */
  allCorners?: boolean;
  /** Patch opacity in training, in (0, 1]; Turner et al. lower it to hide the patch. Default 1. */
  opacity?: number;
  /** Patch opacity at test time, in (0, 1]. Default 1. */
  testOpacity?: number;
}

export type ResolvedLabelConsistentOptions = Required<LabelConsistentOptions>;

export const LABEL_CONSISTENT_DEFAULTS = Object.freeze({
  epsilon: 32,
  pgdSteps: 10,
  surrogateEpochs: 3,
  allCorners: true,
  opacity: 1,
  testOpacity: 1,
} as const);

function resolve(input: LooseAttackOptions): ResolvedLabelConsistentOptions {
  const name = 'label-consistent';
  const { base, raw } = readOptions(name, input, LABEL_CONSISTENT_DEFAULTS);
  return {
    ...base,
    epsilon: numberOption(name, 'epsilon', raw.epsilon, 0, 255),
    pgdSteps: integerOption(name, 'pgdSteps', raw.pgdSteps, 1, 100),
    surrogateEpochs: integerOption(name, 'surrogateEpochs', raw.surrogateEpochs, 1, 20),
    allCorners: booleanOption(name, 'allCorners', raw.allCorners),
    opacity: numberOption(name, 'opacity', raw.opacity, 0, 1, true),
    testOpacity: numberOption(name, 'testOpacity', raw.testOpacity, 0, 1, true),
  };
}

/** Softmax regression on pixels / 255: logits = W x + b, W row-major [classes][features]. */
export interface LinearSurrogate {
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  readonly classes: number;
  readonly features: number;
}

function softmaxInto(logits: Float64Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (let c = 0; c < logits.length; c++) {
    const e = Math.exp((logits[c] as number) - max);
    logits[c] = e;
    sum += e;
  }
  for (let c = 0; c < logits.length; c++) logits[c] = (logits[c] as number) / sum;
}

/** Class probabilities of one image (values already scaled to [0, 1]). */
export function surrogateProbabilities(model: LinearSurrogate, x: Float64Array): Float64Array {
  const { weights, bias, classes, features } = model;
  const out = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    let z = bias[c] as number;
    const row = c * features;
    for (let f = 0; f < features; f++) z += (weights[row + f] as number) * (x[f] as number);
    out[c] = z;
  }
  softmaxInto(out);
  return out;
}

const SURROGATE_BATCH = 64;
const SURROGATE_LEARNING_RATE = 0.05;

/** Seeded mini-batch SGD on cross-entropy, weights from zero, so the fit is reproducible. */
export function fitLinearSurrogate(train: ImageDataset, epochs: number, rng: Rng): LinearSurrogate {
  const features = train.height * train.width * train.channels;
  const classes = train.classNames.length;
  const weights = new Float64Array(classes * features);
  const bias = new Float64Array(classes);
  const model = { weights, bias, classes, features };
  const count = train.labels.length;
  const order = Array.from({ length: count }, (_, i) => i);
  const gradW = new Float64Array(weights.length);
  const gradB = new Float64Array(classes);
  const x = new Float64Array(features);
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleInPlace(order, rng);
    for (let start = 0; start < count; start += SURROGATE_BATCH) {
      const batch = order.slice(start, start + SURROGATE_BATCH);
      gradW.fill(0);
      gradB.fill(0);
      for (const i of batch) {
        for (let f = 0; f < features; f++) x[f] = (train.images[i * features + f] as number) / 255;
        const p = surrogateProbabilities(model, x);
        p[train.labels[i] as number] = (p[train.labels[i] as number] as number) - 1;
        for (let c = 0; c < classes; c++) {
          const g = p[c] as number;
          gradB[c] = (gradB[c] as number) + g;
          const row = c * features;
          for (let f = 0; f < features; f++) gradW[row + f] = (gradW[row + f] as number) + g * (x[f] as number);
        }
      }
      const scale = SURROGATE_LEARNING_RATE / batch.length;
      for (let j = 0; j < weights.length; j++) weights[j] = (weights[j] as number) - scale * (gradW[j] as number);
      for (let c = 0; c < classes; c++) bias[c] = (bias[c] as number) - scale * (gradB[c] as number);
    }
  }
  return model;
}

/**
 * L-inf PGD that maximises the surrogate's cross-entropy on the image's TRUE class, from a seeded
 * uniform start in the epsilon ball; returns bytes within epsilon of the input (after rounding).
 */
export function pgdAway(
  model: LinearSurrogate,
  image: Uint8Array,
  label: number,
  epsilon: number,
  steps: number,
  rng: Rng,
): Uint8Array {
  if (epsilon === 0) return image;
  const { weights, classes, features } = model;
  const eps = epsilon / 255;
  const stepSize = (2.5 * eps) / steps;
  const original = Float64Array.from(image, (v) => v / 255);
  const x = original.map((v) => Math.min(1, Math.max(0, v + eps * (rng.next() * 2 - 1))));
  const grad = new Float64Array(features);
  for (let step = 0; step < steps; step++) {
    const p = surrogateProbabilities(model, x);
    p[label] = (p[label] as number) - 1;
    grad.fill(0);
    for (let c = 0; c < classes; c++) {
      const g = p[c] as number;
      const row = c * features;
      for (let f = 0; f < features; f++) grad[f] = (grad[f] as number) + g * (weights[row + f] as number);
    }
    for (let f = 0; f < features; f++) {
      const o = original[f] as number;
      const moved = (x[f] as number) + stepSize * Math.sign(grad[f] as number);
      x[f] = Math.min(1, Math.max(0, Math.min(o + eps, Math.max(o - eps, moved))));
    }
  }
  // Rounding can cross the bound by at most half a level; clamp back in byte space.
  for (let f = 0; f < features; f++) {
    const o = image[f] as number;
    image[f] = Math.min(toByte(o + epsilon), Math.max(toByte(o - epsilon), toByte((x[f] as number) * 255)));
  }
  return image;
}

export function createLabelConsistent(input: LabelConsistentOptions): Attack<ResolvedLabelConsistentOptions> {
  const options = resolve(input as LooseAttackOptions);
  const patchesFor = (geometry: ImageGeometry): Patch[] => {
    const size = defaultPatchSide(geometry);
    const pixels = blackWhitePixels(size, geometry.channels, (r, c) => (r + c) % 2 === 0);
    const corners = options.allCorners ? CORNERS : (['bottom-right'] as const);
    return corners.map((corner) => ({ ...cornerPosition(geometry, size, corner), size, pixels }));
  };
  const stamp = (image: Uint8Array, geometry: ImageGeometry, opacity: number) => {
    for (const patch of patchesFor(geometry)) stampPatch(image, geometry, patch, opacity);
    return image;
  };
  return defineAttack({
    name: 'label-consistent',
    options,
    cleanLabel: true,
    testTrigger: (image, geometry) => stamp(image, geometry, options.testOpacity),
    plan: (geometry, train) => {
      if (train.classNames.length < 2) {
        throw new AntidoteError('INVALID_INPUT', 'label-consistent: the surrogate needs at least 2 classes.');
      }
      // Fitted only when something is poisoned: the surrogate is the attack's one costly step.
      const surrogate =
        options.poisonCount > 0 && options.epsilon > 0
          ? fitLinearSurrogate(train, options.surrogateEpochs, deriveRng(options.seed, 'label-consistent:surrogate'))
          : null;
      return {
        poisonTrigger: (image, rng) => {
          const perturbed = surrogate
            ? pgdAway(surrogate, image, options.targetClass, options.epsilon, options.pgdSteps, rng)
            : image;
          return stamp(perturbed, geometry, options.opacity);
        },
        coverCount: 0,
        coverFromAnyClass: false,
        coverHint: '',
      };
    },
  });
}
