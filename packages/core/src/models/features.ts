/**
 * Access to penultimate features (the input of the final classification layer), which Pivotal
 * Tuning's latent loss works on. The feature model shares weights with the classifier.
 */
import * as tf from '@tensorflow/tfjs';
import { AntidoteError } from '../errors.ts';

export interface SplitModel {
  /** Image -> penultimate features. Shares weights with the original model. */
  features: tf.LayersModel;
  /** The final layer (features -> logits or probabilities). */
  head: tf.layers.Layer;
  /** Whether the head applies softmax, i.e. the model outputs probabilities instead of logits. */
  outputsProbabilities: boolean;
}

export function splitAtPenultimate(model: tf.LayersModel): SplitModel {
  const head = model.layers[model.layers.length - 1];
  if (head?.getClassName() !== 'Dense') {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `The last layer is ${head?.getClassName() ?? 'missing'}; Antidote needs a Dense classification layer last to reach penultimate features.`,
    );
  }
  const featureTensor = head.input as tf.SymbolicTensor;
  if (Array.isArray(featureTensor)) {
    throw new AntidoteError('SHAPE_MISMATCH', 'The classification layer has several inputs; expected one feature vector.');
  }
  const features = tf.model({ inputs: model.inputs, outputs: featureTensor });
  return { features, head, outputsProbabilities: outputsProbabilities(model) };
}

/** Whether the model's last layer applies softmax (user models often do; the zoo's output logits). */
export function outputsProbabilities(model: tf.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  return (last?.getConfig() as { activation?: string } | undefined)?.activation === 'softmax';
}

/** Converts a model output to logits: log-probabilities are valid logits for softmax-based losses. */
export function outputToLogits(output: tf.Tensor, outputsProbabilities: boolean): tf.Tensor {
  return outputsProbabilities ? tf.log(tf.clipByValue(output, 1e-7, 1)) : output;
}

/**
 * One inference pass over the whole batch. Keras' `predict` cuts its input into slices of 32 by
 * default; on wasm one pass over 256 Fashion-MNIST images on tiny-cnn took 17 ms instead of 23, with
 * bit-identical outputs. For batches the caller already sized (training steps, evaluation slices).
 */
export function predictBatch(model: tf.LayersModel, x: tf.Tensor): tf.Tensor | tf.Tensor[] {
  return model.predict(x, { batchSize: Math.max(1, x.shape[0] ?? 1) });
}

/**
 * The trainable tf.Variable behind a layer weight whose name ends with `suffix`, if any. Matches
 * `originalName`: TF.js uniquifies `name` when a model is loaded next to another (`kernel_1`).
 */
export function layerVariable(layer: tf.layers.Layer, suffix: string): tf.Variable | null {
  const weight = layer.trainableWeights.find((w) => w.originalName.endsWith(suffix));
  return weight ? (weight.read() as tf.Variable) : null;
}
