/** What every trigger family provides to the shared inversion loop, and how a trigger is scored. */
import * as tf from '@tensorflow/tfjs';
import type { createRng } from '../../random.ts';

export interface ImageGeometry {
  height: number;
  width: number;
  channels: number;
}

export type Stamp = (images: tf.Tensor4D) => tf.Tensor;

export function attackRate(model: tf.LayersModel, images: tf.Tensor4D, stamp: Stamp, target: number): number {
  return tf.tidy(() => {
    const predicted = tf.argMax(model.predict(stamp(images)) as tf.Tensor, -1);
    return tf.mean(tf.cast(tf.equal(predicted, target), 'float32')).dataSync()[0] ?? 0;
  });
}

/** One trigger to invert: how to apply it, what it costs, how to optimise it, what to show. */
export interface TriggerShape {
  stamp: Stamp;
  sizePenalty: () => tf.Scalar;
  variables: tf.Variable[];
  steps: number;
  batchSize: number;
  learningRate: number;
  draw: ReturnType<typeof createRng>;
  /** HWC pixels in [0, 1] for display. */
  display: () => Promise<Float32Array>;
  dispose: () => void;
}
