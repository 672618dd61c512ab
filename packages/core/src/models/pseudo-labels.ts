/**
 * Labels from a model: for trusted images a team has not labelled, the suspect's own predictions
 * stand in. They are the model's view, not ground truth, so whatever is measured on them is
 * agreement with that model (docs/api.md#unlabelled-trusted-data).
 */
import type * as tf from '@tensorflow/tfjs';
import { type ImageDataset, type ImportedImages, imageCount, isUnlabelled, validateDataset } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';
import { predictClasses } from '../metrics/metrics.ts';
import { assertModelFitsDataset, modelSignature } from './model-io.ts';

export interface LabelWithModelOptions {
  /** Names for the model's classes; default the dataset's own when it has them, else '0', '1', .... */
  classNames?: readonly string[];
  /** Images per inference pass. Default 256. */
  batchSize?: number;
}

/** The images labelled by the model's argmax, with the class count the model predicts. */
export async function labelWithModel(
  model: tf.LayersModel,
  data: ImportedImages,
  options: LabelWithModelOptions = {},
): Promise<ImageDataset> {
  const { numClasses } = modelSignature(model);
  const classNames =
    options.classNames ?? (isUnlabelled(data) ? Array.from({ length: numClasses }, (_, c) => String(c)) : data.classNames);
  if (classNames.length !== numClasses) {
    throw new AntidoteError(
      'CLASS_MISMATCH',
      `The model predicts ${numClasses} classes but ${classNames.length} class names were given.`,
    );
  }
  assertModelFitsDataset(model, { height: data.height, width: data.width, channels: data.channels, classNames });
  if (imageCount(data) === 0) throw new AntidoteError('INVALID_INPUT', 'There are no images to label.');
  const labels = await predictClasses(model, data, options.batchSize);
  return validateDataset({
    images: data.images,
    labels,
    height: data.height,
    width: data.width,
    channels: data.channels,
    classNames: [...classNames],
    flipAugment: data.flipAugment,
  });
}
