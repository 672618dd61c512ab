import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initRuntime } from '../../runtime/backend.ts';
import { bilinearWarp } from './warp.ts';

/**
 * The sampling-matrix form the gather form replaced: weights[p, i*W + j] = wy[p, i] * wx[p, j],
 * wx[p, j] = max(0, 1 - |x_p - j|), one [H*W, H*W] matMul. Exact, but its memory is quadratic in
 * the pixel count, so it is the reference at small sizes only.
 */
function denseWarp(images: tf.Tensor4D, displacement: tf.Tensor2D): tf.Tensor4D {
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

function maxAbsDiff(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

describe('bilinearWarp (gather form)', () => {
  beforeAll(async () => {
    // The backend scans and repairs run on; GatherV2's stock gradient has no kernel here.
    await initRuntime({ backend: 'wasm' });
  });

  it('warps and differentiates exactly as the dense sampling matrix at 28 px', () => {
    const [batch, side, channels] = [4, 28, 3];
    const before = tf.memory().numTensors;
    const images = tf.randomUniform([batch, side, side, channels], 0, 1, 'float32', 3) as tf.Tensor4D;
    // Up to ~4 px, past the edges in places: both clamp to the image.
    const displacement = tf.tidy(() => tf.mul(tf.randomNormal([side * side, 2], 0, 1, 'float32', 5), 1.5)) as tf.Tensor2D;
    const probe = tf.randomNormal([batch, side, side, channels], 0, 1, 'float32', 9);
    const run = (warp: typeof bilinearWarp) => {
      const grads = tf.grads((im: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(warp(im as tf.Tensor4D, d as tf.Tensor2D), probe)));
      const [dImages, dDisplacement] = grads([images, displacement]);
      const out = warp(images, displacement);
      const values = [out, dImages, dDisplacement].map((t) => t?.dataSync() ?? new Float32Array());
      tf.dispose([out, dImages, dDisplacement]);
      return values as [Float32Array, Float32Array, Float32Array];
    };
    const [outGather, dImagesGather, dDispGather] = run(bilinearWarp);
    const [outDense, dImagesDense, dDispDense] = run(denseWarp);
    expect(maxAbsDiff(outGather, outDense)).toBeLessThan(1e-5);
    expect(maxAbsDiff(dImagesGather, dImagesDense)).toBeLessThan(1e-5);
    // The displacement's gradient sums over the batch and channels: compare relative to its size.
    const scale = Math.max(...dDispDense.map(Math.abs));
    expect(scale).toBeGreaterThan(1);
    expect(maxAbsDiff(dDispGather, dDispDense) / scale).toBeLessThan(1e-5);
    tf.dispose([images, displacement, probe]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps a 224-px warp and its gradient within memory linear in the image', async () => {
    const [batch, side, channels] = [2, 224, 3];
    const pixels = side * side;
    const images = tf.randomUniform([batch, side, side, channels], 0, 1, 'float32', 3) as tf.Tensor4D;
    const logits = tf.variable(tf.randomNormal([pixels, 2], 0, 0.1, 'float32', 5));
    const optimizer = tf.train.adam(0.1);
    const info = await tf.profile(() =>
      tf.tidy(() => {
        optimizer.minimize(() => tf.sum(bilinearWarp(images, tf.mul(1.5, tf.tanh(logits)) as tf.Tensor2D)) as tf.Scalar, false, [
          logits,
        ]);
      }),
    );
    const imageBytes = batch * pixels * channels * 4;
    // The dense matrix alone would be pixels^2 * 4 bytes (~10 GB); the gather form's peak is a few
    // dozen image-sized tensors.
    expect(info.peakBytes).toBeLessThan(64 * imageBytes);
    expect(info.peakBytes).toBeLessThan((pixels * pixels * 4) / 100);
    optimizer.dispose();
    tf.dispose([images, logits]);
  });
});
