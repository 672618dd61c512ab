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
 * displacement and in the images. tfjs has no grid-sample op, so each output pixel gathers its
 * four neighbours and blends them by the fractional offsets: memory grows with the image, not with
 * its square (a dense [H*W, H*W] sampling matrix is ~10 GB at 224 px). The blend weights carry the
 * displacement's gradient through elementwise kernels only; the gathers' own gradient is a
 * scatter-add (`gatherPixels`), because GatherV2's stock gradient needs UnsortedSegmentSum, which
 * the wasm backend lacks.
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
    // floor's gradient is zero, so the fractions carry all of the displacement's gradient.
    const left = tf.floor(x);
    const top = tf.floor(y);
    const fx = tf.reshape(tf.sub(x, left), [pixels, 1, 1]);
    const fy = tf.reshape(tf.sub(y, top), [pixels, 1, 1]);
    // At the last column/row the fraction is 0, so clamping the far neighbour changes nothing.
    const right = tf.minimum(tf.add(left, 1), width - 1);
    const bottom = tf.minimum(tf.add(top, 1), height - 1);
    // Pixels first, so each gather copies whole rows and the weights broadcast along the last axis.
    const flat = tf.transpose(tf.reshape(images, [batch, pixels, channels]), [1, 0, 2]) as tf.Tensor3D;
    const at = (r: tf.Tensor, c: tf.Tensor) =>
      gatherPixels(flat, tf.cast(tf.reshape(tf.add(tf.mul(r, width), c), [pixels]), 'int32') as tf.Tensor1D);
    const upper = tf.add(tf.mul(tf.sub(1, fx), at(top, left)), tf.mul(fx, at(top, right)));
    const lower = tf.add(tf.mul(tf.sub(1, fx), at(bottom, left)), tf.mul(fx, at(bottom, right)));
    const blended = tf.add(tf.mul(tf.sub(1, fy), upper), tf.mul(fy, lower));
    return tf.reshape(tf.transpose(blended, [1, 0, 2]), [batch, height, width, channels]) as tf.Tensor4D;
  });
}

/**
 * `flat[index[p]]` for every p, whose gradient scatter-adds dy back to the gathered rows
 * (ScatterNd sums repeated indices on every backend, wasm included). The index is data, not a
 * differentiable input: it comes from floor().
 */
function gatherPixels(flat: tf.Tensor3D, index: tf.Tensor1D): tf.Tensor3D {
  const gather = tf.customGrad((source, save) => {
    (save as tf.GradSaveFunc)([index]);
    return {
      value: tf.gather(source as tf.Tensor3D, index),
      gradFunc: (dy, saved) => {
        const [kept] = saved as [tf.Tensor1D];
        return tf.scatterND(tf.reshape(kept, [kept.size, 1]), dy, flat.shape);
      },
    };
  });
  return gather(flat) as tf.Tensor3D;
}
