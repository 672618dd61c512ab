/** L2 weight decay as a loss term, for losses that train cloned models (see withWeightDecay). */
import * as tf from '@tensorflow/tfjs';
import { layerVariable } from '../models/features.ts';
import type { LossFunction } from './train.ts';

/** Kernels of every layer (the weights L2 decay applies to; biases and BN parameters are left alone). */
export function kernelVariables(model: tf.LayersModel): tf.Variable[] {
  return model.layers.flatMap((layer) => {
    const kernel = layerVariable(layer, 'kernel');
    return kernel ? [kernel] : [];
  });
}

/**
 * Adds (decay / 2) * sum(kernel^2) to the loss, whose gradient is the usual decay * kernel.
 * trainModel's own `weightDecay` finds kernels by `name`, which no longer ends in "kernel" once a
 * model has been cloned (`kernel_1`), so on the working copies the defenses train it would be a no-op.
 */
export function withWeightDecay(loss: LossFunction, kernels: readonly tf.Variable[], decay: number): LossFunction {
  return (context) => {
    const penalty = tf.addN(kernels.map((k) => tf.sum(tf.square(k))));
    return tf.add(loss(context), tf.mul(decay / 2, penalty)) as tf.Scalar;
  };
}
