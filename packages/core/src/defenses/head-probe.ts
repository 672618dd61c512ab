/**
 * Can a new classification head relearn the suspect's clean accuracy from the trusted images?
 * Softmax regressions on the suspect's frozen penultimate features, each trained on all trusted
 * images but one fold and judged on that fold, against the suspect on the same images. Measured as
 * a way to choose Pivotal Tuning's recipe per suspect (a fresh head where it keeps up): on the
 * benchmark's victims the gap does not separate weakly from well-trained models, so no default
 * reads it (docs/method.md#choosing-the-recipe-from-the-suspect; `bench/probe-gaps.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../datasets/image-dataset.ts';
import { accuracy, predictClasses } from '../metrics/metrics.ts';
import { predictBatch, splitAtPenultimate } from '../models/features.ts';
import { createRng, shuffleInPlace } from '../random.ts';
import { batchRanges, batchTensor, range } from '../training/batches.ts';

export interface HeadProbe {
  /** Accuracy of fresh heads on frozen features, each trusted image predicted by a head that did not train on it. */
  probeAccuracy: number;
  /** Accuracy of the suspect on the same trusted images (it never trained on them). */
  suspectAccuracy: number;
  /** suspectAccuracy - probeAccuracy: what the suspect's head knows that the trusted labels do not teach. */
  gap: number;
  /** Images both accuracies are measured on. */
  images: number;
}

/**
 * Cross-validated over `folds` folds of the whole trusted set, so both accuracies are measured on
 * every trusted image (600 at 1%) instead of the 120 the repair holds out: at 120 images one
 * image is almost a point.
 */
export const HEAD_PROBE_DEFAULTS = { steps: 300, learningRate: 0.01, folds: 5 } as const;

function featuresOf(features: tf.LayersModel, dataset: ImageDataset, batchSize = 256): tf.Tensor2D {
  const parts: tf.Tensor2D[] = [];
  for (const [start, end] of batchRanges(dataset.labels.length, batchSize)) {
    parts.push(tf.tidy(() => predictBatch(features, batchTensor(dataset, range(start, end))) as tf.Tensor2D));
  }
  const all = tf.concat(parts) as tf.Tensor2D;
  tf.dispose(parts);
  return all;
}

/** A softmax regression on `features` (kernel [width, classes], bias [classes]); the caller disposes both. */
function softmaxRegression(
  features: tf.Tensor2D,
  labels: Int32Array,
  numClasses: number,
  seed: number,
  settings: { steps: number; learningRate: number },
): { kernel: tf.Tensor2D; bias: tf.Tensor1D } {
  const width = features.shape[1];
  // Variables outlive tidy; their initial values do not.
  const kernel = tf.tidy(() => tf.variable(tf.initializers.glorotUniform({ seed }).apply([width, numClasses]) as tf.Tensor2D));
  const bias = tf.tidy(() => tf.variable(tf.zeros([numClasses]) as tf.Tensor1D));
  const optimizer = tf.train.adam(settings.learningRate);
  const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses));
  try {
    for (let step = 0; step < settings.steps; step++) {
      optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(targets, tf.add(tf.matMul(features, kernel), bias)) as tf.Scalar,
        false,
        [kernel, bias],
      );
    }
    return { kernel: kernel.clone(), bias: bias.clone() };
  } finally {
    tf.dispose([kernel, bias, targets]);
    optimizer.dispose();
  }
}

export async function freshHeadProbe(
  model: tf.LayersModel,
  trusted: ImageDataset,
  seed: number,
  settings: { steps: number; learningRate: number; folds: number } = HEAD_PROBE_DEFAULTS,
): Promise<HeadProbe> {
  const { features } = splitAtPenultimate(model);
  const numClasses = trusted.classNames.length;
  const count = trusted.labels.length;
  const foldOf = shuffleInPlace(
    Array.from({ length: count }, (_, i) => i % settings.folds),
    createRng(seed ^ 0x5bd1e995),
  );
  const all = featuresOf(features, trusted);
  const probePredictions = new Int32Array(count);
  try {
    for (let fold = 0; fold < settings.folds; fold++) {
      const trainIdx = foldOf.flatMap((f, i) => (f === fold ? [] : [i]));
      const testIdx = foldOf.flatMap((f, i) => (f === fold ? [i] : []));
      if (testIdx.length === 0 || trainIdx.length === 0) continue;
      const trainFeatures = tf.gather(all, trainIdx) as tf.Tensor2D;
      const testFeatures = tf.gather(all, testIdx) as tf.Tensor2D;
      try {
        const head = softmaxRegression(
          trainFeatures,
          Int32Array.from(trainIdx, (i) => trusted.labels[i]!),
          numClasses,
          seed + fold,
          settings,
        );
        const predicted = tf.tidy(
          () => tf.argMax(tf.add(tf.matMul(testFeatures, head.kernel), head.bias), -1).dataSync() as Int32Array,
        );
        tf.dispose([head.kernel, head.bias]);
        testIdx.forEach((i, k) => {
          probePredictions[i] = predicted[k]!;
        });
      } finally {
        tf.dispose([trainFeatures, testFeatures]);
      }
    }
  } finally {
    all.dispose();
  }
  const suspectPredictions = await predictClasses(model, trusted);
  const probeAccuracy = accuracy(probePredictions, trusted.labels);
  const suspectAccuracy = accuracy(suspectPredictions, trusted.labels);
  return { probeAccuracy, suspectAccuracy, gap: suspectAccuracy - probeAccuracy, images: count };
}
