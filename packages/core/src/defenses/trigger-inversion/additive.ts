/** The method's trigger: one faint full-image delta, added and clipped, under an L1 size penalty. */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random.ts';
import type { TriggerInversionOptions } from './options.ts';
import type { ImageGeometry, TriggerShape } from './shape.ts';

export function additiveShape(
  { height, width, channels }: ImageGeometry,
  settings: Required<Pick<TriggerInversionOptions, 'normPenalty' | 'steps' | 'batchSize' | 'learningRate'>>,
  rng: Rng,
): TriggerShape {
  // tf.variable shares the initial tensor's data but does not own the wrapper: release it.
  const initial = tf.tidy(() => tf.mul(tf.randomUniform([1, height, width, channels], 0, 1, 'float32', rng.seed()), 0.01));
  const delta = tf.variable(initial);
  initial.dispose();
  return {
    stamp: (images) => tf.clipByValue(tf.add(images, delta), 0, 1),
    sizePenalty: () =>
      settings.normPenalty > 0 ? (tf.mul(settings.normPenalty, tf.mean(tf.abs(delta))) as tf.Scalar) : tf.scalar(0),
    variables: [delta],
    steps: settings.steps,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    draw: rng,
    // The trigger is additive in [-1, 1]; shift it to [0, 1] for display.
    display: async () => Float32Array.from(await delta.data(), (v) => Math.min(1, Math.max(0, 0.5 + v / 2))),
    dispose: () => delta.dispose(),
  };
}
