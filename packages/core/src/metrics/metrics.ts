/**
 * The metrics the product reports everywhere (docs/method.md#metrics): CDA (clean accuracy), ASR (attack
 * success rate), ARR (attack recovery rate), per-class accuracy and the confusion matrix.
 */
import * as tf from '@tensorflow/tfjs';
import { type ImageDataset, type ImportedImages, imageCount } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';
import { predictBatch } from '../models/features.ts';
import { batchRanges, batchTensor, range } from '../training/batches.ts';

/** Predicted class of every image (inference mode, batched, no tensors left behind). */
export async function predictClasses(model: tf.LayersModel, dataset: ImportedImages, batchSize = 256): Promise<Int32Array> {
  const out = new Int32Array(imageCount(dataset));
  for (const [start, end] of batchRanges(out.length, batchSize)) {
    const predicted = tf.tidy(() => {
      const x = batchTensor(dataset, range(start, end));
      return tf.argMax(predictBatch(model, x) as tf.Tensor, -1);
    });
    out.set(await predicted.data(), start);
    predicted.dispose();
  }
  return out;
}

export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predictions.length !== labels.length) {
    throw new AntidoteError('SHAPE_MISMATCH', `${predictions.length} predictions for ${labels.length} labels.`);
  }
  if (labels.length === 0) return 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  return correct / labels.length;
}

/** Fraction of triggered non-target images predicted as the target class. */
export function attackSuccessRate(predictions: ArrayLike<number>, trueLabels: ArrayLike<number>, targetClass: number): number {
  let eligible = 0;
  let hits = 0;
  for (let i = 0; i < trueLabels.length; i++) {
    if (trueLabels[i] === targetClass) continue;
    eligible++;
    if (predictions[i] === targetClass) hits++;
  }
  return eligible === 0 ? 0 : hits / eligible;
}

/** Accuracy on triggered non-target images against their true labels. */
export function attackRecoveryRate(predictions: ArrayLike<number>, trueLabels: ArrayLike<number>, targetClass: number): number {
  let eligible = 0;
  let correct = 0;
  for (let i = 0; i < trueLabels.length; i++) {
    if (trueLabels[i] === targetClass) continue;
    eligible++;
    if (predictions[i] === trueLabels[i]) correct++;
  }
  return eligible === 0 ? 0 : correct / eligible;
}

/** rows = true class, columns = predicted class. */
export function confusionMatrix(predictions: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): number[][] {
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const row = matrix[labels[i] ?? 0];
    const p = predictions[i] ?? 0;
    if (row && p >= 0 && p < numClasses) row[p] = (row[p] ?? 0) + 1;
  }
  return matrix;
}

export function perClassAccuracy(matrix: number[][]): number[] {
  return matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? 0 : (row[i] ?? 0) / total;
  });
}

export interface CleanReport {
  cda: number;
  perClassAccuracy: number[];
  confusionMatrix: number[][];
}

export interface AttackReport {
  asr: number;
  arr: number;
  targetClass: number;
}

export async function evaluateClean(model: tf.LayersModel, test: ImageDataset): Promise<CleanReport> {
  const predictions = await predictClasses(model, test);
  const matrix = confusionMatrix(predictions, test.labels, test.classNames.length);
  return { cda: accuracy(predictions, test.labels), perClassAccuracy: perClassAccuracy(matrix), confusionMatrix: matrix };
}

/** `triggered` holds triggered images with their TRUE labels (see attacks' `triggeredTestSet`). */
export async function evaluateAttack(model: tf.LayersModel, triggered: ImageDataset, targetClass: number): Promise<AttackReport> {
  const predictions = await predictClasses(model, triggered);
  return {
    asr: attackSuccessRate(predictions, triggered.labels, targetClass),
    arr: attackRecoveryRate(predictions, triggered.labels, targetClass),
    targetClass,
  };
}

/**
 * Detectability: ROC AUC of a detector's scores over poisoned (positive) vs clean (negative)
 * models, by the rank statistic P(poisoned score > clean score), ties counting half. Null when
 * either population is empty.
 */
export function rocAuc(positives: readonly number[], negatives: readonly number[]): number | null {
  if (positives.length === 0 || negatives.length === 0) return null;
  let wins = 0;
  for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (positives.length * negatives.length);
}
