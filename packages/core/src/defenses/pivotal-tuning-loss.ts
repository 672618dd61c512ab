/**
 * The per-batch loss of a Pivotal Tuning run, built from the working model, the pivot and plain
 * settings, so that a compute thread can build the very same loss on its own replicas
 * (data-parallel PT: see training/data-parallel.ts) as this thread does on the originals.
 */
import * as tf from '@tensorflow/tfjs';
import { AntidoteError } from '../errors.ts';
import { layerVariable, outputToLogits, predictBatch, splitAtPenultimate } from '../models/features.ts';
import { createRng } from '../random.ts';
import type { ReplicaLossFactory } from '../training/thread-handlers.ts';
import { type LossFunction, trainableVariables } from '../training/train.ts';
import { blendNoise, noisePatchSeed, stampNoisePatches } from './noise-patches.ts';
import { classCentroids, parameterDistance, type SlolSign, slolLoss } from './slol.ts';

/** The replica-loss kind compute threads build Pivotal Tuning's loss under. */
export const PIVOTAL_TUNING_LOSS = 'pivotal-tuning';

/** Everything the loss needs besides the two models; structured-cloneable. */
export interface PivotalLossSettings {
  numClasses: number;
  seed: number;
  noisePatches: number;
  noiseBlend: number;
  lambdaDistill: number;
  distillTemperature: number;
  distillMixup: number;
  mixupGate: 'none' | 'source-labels';
  lambdaSlol: number;
  slolSign: SlolSign;
  lambdaHeadShift: number;
  /** The parameter budget's weight after scaling to the model's size. */
  lambdaParam: number;
  /** A re-initialised head is left out of the parameter budget (it is meant to move freely). */
  reinitializeHead: boolean;
}

/** The models a Pivotal Tuning loss reads besides the one it trains. */
export interface PivotalLossModels {
  /** The frozen copy of the suspect every term is anchored to. */
  pivot: tf.LayersModel;
}

function softCrossEntropy(targetLogits: tf.Tensor, logits: tf.Tensor, temperature = 1): tf.Scalar {
  const t = (x: tf.Tensor) => (temperature === 1 ? x : tf.div(x, temperature));
  const ce = tf.neg(tf.mean(tf.sum(tf.mul(tf.softmax(t(targetLogits)), tf.logSoftmax(t(logits))), -1)));
  return (temperature === 1 ? ce : tf.mul(ce, temperature * temperature)) as tf.Scalar;
}

/**
 * 1 where the pivot's answer on a mixed pair (image i with image i + 1, as `mixPairs` mixes them)
 * is one of the two source labels, else 0.
 */
function sourceLabelMask(pivotMixedLogits: tf.Tensor, labels: tf.Tensor1D): tf.Tensor1D {
  const answer = tf.argMax(pivotMixedLogits, -1).toInt();
  const next = tf.concat([labels.slice(1), labels.slice(0, 1)]).toInt();
  return tf.logicalOr(tf.equal(answer, labels.toInt()), tf.equal(answer, next)).toFloat() as tf.Tensor1D;
}

/** Soft cross-entropy averaged over the images `mask` keeps (0 when it keeps none). */
function gatedSoftCrossEntropy(targetLogits: tf.Tensor, logits: tf.Tensor, mask: tf.Tensor1D, temperature = 1): tf.Scalar {
  const t = (x: tf.Tensor) => (temperature === 1 ? x : tf.div(x, temperature));
  const perImage = tf.neg(tf.sum(tf.mul(tf.softmax(t(targetLogits)), tf.logSoftmax(t(logits))), -1));
  const ce = tf.div(tf.sum(tf.mul(perImage, mask)), tf.maximum(tf.sum(mask), 1));
  return (temperature === 1 ? ce : tf.mul(ce, temperature * temperature)) as tf.Scalar;
}

/** Each image mixed with the next one of the batch at a seeded random weight in [0, 1]. */
function mixPairs(images: tf.Tensor4D, seed: number): tf.Tensor4D {
  const n = images.shape[0];
  const rng = createRng(seed ^ 0x3c6ef372);
  const weights = tf.tensor4d(
    Float32Array.from({ length: n }, () => rng.next()),
    [n, 1, 1, 1],
  );
  const rolled = tf.concat([images.slice(1), images.slice(0, 1)]);
  return tf.add(tf.mul(images, weights), tf.mul(rolled, tf.sub(1, weights))) as tf.Tensor4D;
}

/**
 * Cross-entropy on the labels, distillation from the pivot on clean and mixed images, SLOL on
 * penultimate features, the head-shift cosine and the parameter budget, on images only the
 * working model sees patched or noise-blended. `working`'s head must already be what the run
 * starts from (re-initialised or not).
 */
export function pivotalTuningLoss(
  working: tf.LayersModel,
  models: PivotalLossModels,
  settings: PivotalLossSettings,
): LossFunction {
  const { pivot } = models;
  const student = splitAtPenultimate(working);
  const teacher = splitAtPenultimate(pivot);
  // Two heads sharing weights: penultimate features and the model output, in one pass.
  const studentTwoHeads = tf.model({ inputs: working.inputs, outputs: [student.features.outputs[0]!, working.outputs[0]!] });
  const teacherTwoHeads = tf.model({ inputs: pivot.inputs, outputs: [teacher.features.outputs[0]!, pivot.outputs[0]!] });
  const headKernel = layerVariable(student.head, 'kernel');
  const headBias = layerVariable(student.head, 'bias');
  const pivotHeadKernel = layerVariable(teacher.head, 'kernel');
  const pivotWeights = pivot.trainableWeights.map((w) => w.read());
  const anchored = trainableVariables(working)
    .map((v, i) => ({ v, p: pivotWeights[i]! }))
    .filter(({ v }) => !(settings.reinitializeHead && (v === headKernel || v === headBias)));
  const anchoredVariables = anchored.map(({ v }) => v);
  const anchoredPivot = anchored.map(({ p }) => p);
  return ({ images, labels, step, batchOffset = 0 }) => {
    // A thread's share of the batch draws its own patches; on one thread the offset is 0.
    const noiseSeed = (noisePatchSeed(settings.seed, step) + batchOffset) >>> 0;
    const patched = settings.noisePatches > 0 ? stampNoisePatches(images, settings.noisePatches, noiseSeed) : images;
    const seen = settings.noiseBlend > 0 ? blendNoise(patched, settings.noiseBlend, noiseSeed) : patched;
    const [z, output] = studentTwoHeads.apply(seen, { training: true }) as [tf.Tensor2D, tf.Tensor2D];
    const [z0, output0] = predictBatch(teacherTwoHeads, images) as [tf.Tensor2D, tf.Tensor2D];
    const logits = outputToLogits(output, student.outputsProbabilities);
    const pivotLogits = outputToLogits(output0, teacher.outputsProbabilities);
    let total = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, settings.numClasses), logits) as tf.Scalar;
    if (settings.lambdaDistill > 0)
      total = tf.add(total, tf.mul(settings.lambdaDistill, softCrossEntropy(pivotLogits, logits, settings.distillTemperature)));
    if (settings.distillMixup > 0) {
      const mixed = mixPairs(images, noiseSeed);
      const mixedLogits = outputToLogits(working.apply(mixed, { training: true }) as tf.Tensor, student.outputsProbabilities);
      const pivotMixed = outputToLogits(predictBatch(pivot, mixed) as tf.Tensor, teacher.outputsProbabilities);
      const mixupLoss =
        settings.mixupGate === 'source-labels'
          ? gatedSoftCrossEntropy(pivotMixed, mixedLogits, sourceLabelMask(pivotMixed, labels), settings.distillTemperature)
          : softCrossEntropy(pivotMixed, mixedLogits, settings.distillTemperature);
      total = tf.add(total, tf.mul(settings.distillMixup, mixupLoss));
    }
    if (settings.lambdaSlol > 0) {
      const batchLabels = labels.dataSync() as Int32Array;
      const { centroids, pivotCentroids, present } = classCentroids(z, z0, batchLabels, settings.numClasses);
      if (present.length >= 2)
        total = tf.add(total, tf.mul(settings.lambdaSlol, slolLoss(centroids, pivotCentroids, settings.slolSign)));
    }
    if (settings.lambdaHeadShift !== 0 && headKernel && pivotHeadKernel) {
      const cos = tf.div(
        tf.sum(tf.mul(headKernel, pivotHeadKernel)),
        tf.add(tf.mul(tf.norm(headKernel), tf.norm(pivotHeadKernel)), 1e-8),
      );
      total = tf.add(total, tf.mul(settings.lambdaHeadShift, cos));
    }
    if (settings.lambdaParam > 0) {
      total = tf.add(total, tf.mul(settings.lambdaParam, parameterDistance(anchoredVariables, anchoredPivot)));
    }
    return total;
  };
}

/** `pivotalTuningLoss` for a compute thread's replicas (the pivot arrives as the loss model "pivot"). */
export const pivotalTuningReplicaLoss: ReplicaLossFactory = (working, models, settings: PivotalLossSettings) => {
  const pivot = models.pivot;
  if (!pivot) throw new AntidoteError('INTERNAL', "Pivotal Tuning's replica loss needs the pivot model.");
  return pivotalTuningLoss(working, { pivot }, settings);
};
