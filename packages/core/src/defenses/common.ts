/**
 * Pieces every defense shares: the trusted/validation split, model copies, and validation
 * accuracy. Kept here so no defense peeks at test data by accident.
 */
import type * as tf from '@tensorflow/tfjs';
import { type ImageDataset, stratifiedSample } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';
import { accuracy, predictClasses } from '../metrics/metrics.ts';
import { assertModelFitsDataset, cloneModel } from '../models/model-io.ts';
import type { DefenseOptions } from './types.ts';

export const DEFAULT_VALIDATION_FRACTION = 0.2;

export interface TrustedSplit {
  /** What the defense may train on. */
  fit: ImageDataset;
  /** Held out: the only data a defense may use to choose steps, amounts and thresholds. */
  validation: ImageDataset;
}

/** Stratified, seeded split of the trusted set into fit and validation parts. */
export function splitTrusted(trusted: ImageDataset, options: Pick<DefenseOptions, 'seed' | 'validationFraction'>): TrustedSplit {
  const fraction = options.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
  if (trusted.labels.length < 10) {
    throw new AntidoteError('INVALID_INPUT', `The trusted set has ${trusted.labels.length} images; at least 10 are needed.`);
  }
  const { selected, rest } = stratifiedSample(trusted, fraction, options.seed);
  return { fit: rest, validation: selected };
}

/** Checks the pairing, then returns an independent copy to modify (the suspect stays intact). */
export async function workingCopy(model: tf.LayersModel, trusted: ImageDataset): Promise<tf.LayersModel> {
  assertModelFitsDataset(model, trusted);
  return cloneModel(model);
}

/** The suspect's held-out predictions: what every checkpoint's accuracy drop is paired against. */
export interface HeldOutReference {
  accuracy: number;
  predictions: Int32Array;
}

export async function heldOutReference(model: tf.LayersModel, validation: ImageDataset): Promise<HeldOutReference> {
  const predictions = await predictClasses(model, validation);
  return { accuracy: accuracy(predictions, validation.labels), predictions };
}

export async function validationAccuracy(model: tf.LayersModel, validation: ImageDataset): Promise<number> {
  return accuracy(await predictClasses(model, validation), validation.labels);
}
