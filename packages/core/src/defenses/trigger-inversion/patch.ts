/** Neural Cleanse's trigger shape: a stamp (1 - m) x + m p whose mask is held to a small area. */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random.ts';
import type { TriggerInversionOptions } from './options.ts';
import type { ImageGeometry, TriggerShape } from './shape.ts';

export function patchShape(
  { height, width, channels }: ImageGeometry,
  settings: Required<
    Pick<
      TriggerInversionOptions,
      'patchArea' | 'patchMaskWeight' | 'patchOverBudgetWeight' | 'patchSteps' | 'patchBatchSize' | 'patchLearningRate'
    >
  >,
  patchRng: Rng,
): TriggerShape {
  // As in Neural Cleanse: mask = sigmoid(logits) over HxW, pattern = (tanh(logits) + 1) / 2 over
  // HxWxC. The mask starts small (sigmoid(-3) ~ 5% everywhere) so it grows only where it pays.
  // Variables built inside a tidy: it releases the initial values and keeps the variables.
  const maskLogits = tf.tidy(() => tf.variable(tf.fill([1, height, width, 1], -3)));
  const patternLogits = tf.tidy(() =>
    tf.variable(tf.mul(tf.randomNormal([1, height, width, channels], 0, 1, 'float32', patchRng.seed()), 0.1)),
  );
  const mask = () => tf.sigmoid(maskLogits);
  const pattern = () => tf.div(tf.add(tf.tanh(patternLogits), 1), 2);
  const budget = settings.patchArea * height * width;
  return {
    stamp: (images) => {
      const m = mask();
      return tf.add(tf.mul(tf.sub(1, m), images), tf.mul(m, pattern()));
    },
    sizePenalty: () => {
      const area = tf.sum(mask());
      return tf.add(
        tf.mul(settings.patchMaskWeight, area),
        tf.mul(settings.patchOverBudgetWeight, tf.relu(tf.sub(area, budget))),
      ) as tf.Scalar;
    },
    variables: [maskLogits, patternLogits],
    steps: settings.patchSteps,
    batchSize: settings.patchBatchSize,
    learningRate: settings.patchLearningRate,
    draw: patchRng,
    // The stamp on black: what the trigger paints, where it paints it.
    display: async () => {
      const shown = tf.tidy(() => tf.mul(mask(), pattern()));
      const pixels = Float32Array.from(await shown.data());
      shown.dispose();
      return pixels;
    },
    dispose: () => tf.dispose([maskLogits, patternLogits]),
  };
}
