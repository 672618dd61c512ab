/** WaNet's trigger shape: a smooth displacement field from a coarse control grid, a few pixels at most. */
import * as tf from '@tensorflow/tfjs';
import { upsampleBicubic } from '../../attacks/triggers.ts';
import type { Rng } from '../../random.ts';
import type { TriggerInversionOptions } from './options.ts';
import type { ImageGeometry, Stamp, TriggerShape } from './shape.ts';

export function warpShape(
  { height, width, channels }: ImageGeometry,
  settings: Required<
    Pick<TriggerInversionOptions, 'warpGrid' | 'warpMaxShift' | 'warpSteps' | 'warpBatchSize' | 'warpLearningRate'>
  >,
  warpRng: Rng,
): TriggerShape {
  // As WaNet builds its field: a grid x grid control grid per axis, upsampled bicubically to the
  // image (a linear map, so one [H*W, grid^2] matrix); tanh bounds every pixel's displacement.
  const grid = settings.warpGrid;
  const upsample = bicubicUpsamplingMatrix(grid, height, width);
  const logits = tf.tidy(() => tf.variable(tf.mul(tf.randomNormal([grid * grid, 2], 0, 1, 'float32', warpRng.seed()), 0.1)));
  const stamp: Stamp = (images) =>
    bilinearWarp(images, tf.mul(settings.warpMaxShift, tf.tanh(tf.matMul(upsample, logits))) as tf.Tensor2D);
  return {
    stamp,
    sizePenalty: () => tf.scalar(0),
    variables: [logits],
    steps: settings.warpSteps,
    batchSize: settings.warpBatchSize,
    learningRate: settings.warpLearningRate,
    draw: warpRng,
    // A regular grid of lines, warped: shows how and where the trigger bends the image.
    display: async () => {
      const lines = tf.tidy(() => {
        const ruled = tf.buffer([1, height, width, channels], 'float32');
        for (let r = 0; r < height; r++)
          for (let c = 0; c < width; c++)
            for (let k = 0; k < channels; k++) ruled.set(r % 4 === 1 || c % 4 === 1 ? 1 : 0, 0, r, c, k);
        return stamp(ruled.toTensor() as tf.Tensor4D);
      });
      const pixels = Float32Array.from(await lines.data());
      lines.dispose();
      return pixels;
    },
    dispose: () => tf.dispose([logits, upsample]),
  };
}

/** The attacks' `upsampleBicubic` of a grid x grid field as a matrix: [H*W, grid^2]. */
function bicubicUpsamplingMatrix(grid: number, height: number, width: number): tf.Tensor2D {
  const cells = grid * grid;
  const matrix = new Float32Array(height * width * cells);
  for (let cell = 0; cell < cells; cell++) {
    const basis = new Float64Array(cells);
    basis[cell] = 1;
    const column = upsampleBicubic(basis, grid, grid, height, width);
    for (let p = 0; p < height * width; p++) matrix[p * cells + cell] = column[p] as number;
  }
  return tf.tensor2d(matrix, [height * width, cells]);
}

/**
 * Resamples NHWC images bilinearly at each pixel moved by `displacement` ([H*W, 2]: x, y in
 * pixels), clamped to the image, as the attacks' `warpBilinear` does; differentiable in the
 * displacement. tfjs has no grid-sample op, so the sampling is one [H*W, H*W] weight matrix,
 * weights[p, i*W + j] = wy[p, i] * wx[p, j] with wx[p, j] = max(0, 1 - |x_p - j|) (likewise wy),
 * and a matMul: only matMul and elementwise kernels, which our wasm backend trains. Building the
 * matrix once per batch costs less than weighting every image's rows separately.
 */
export function bilinearWarp(images: tf.Tensor4D, displacement: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = images.shape;
    const pixels = height * width;
    const column = tf.tensor2d(
      Float32Array.from({ length: pixels }, (_, p) => p % width),
      [pixels, 1],
    );
    const row = tf.tensor2d(
      Float32Array.from({ length: pixels }, (_, p) => Math.floor(p / width)),
      [pixels, 1],
    );
    const [dx, dy] = tf.split(displacement, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const x = tf.clipByValue(tf.add(column, dx), 0, width - 1);
    const y = tf.clipByValue(tf.add(row, dy), 0, height - 1);
    const wx = tf.relu(tf.sub(1, tf.abs(tf.sub(x, tf.range(0, width, 1, 'float32').reshape([1, width])))));
    const wy = tf.relu(tf.sub(1, tf.abs(tf.sub(y, tf.range(0, height, 1, 'float32').reshape([1, height])))));
    const weights = tf.reshape(tf.mul(tf.reshape(wy, [pixels, height, 1]), tf.reshape(wx, [pixels, 1, width])), [pixels, pixels]);
    const flat = tf.reshape(tf.transpose(images, [0, 3, 1, 2]), [batch * channels, pixels]);
    const sampled = tf.matMul(flat, weights, false, true);
    return tf.transpose(tf.reshape(sampled, [batch, channels, height, width]), [0, 2, 3, 1]) as tf.Tensor4D;
  });
}
