/**
 * Random noise patches for Pivotal Tuning's batches: a share of each batch gets 1-4 square
 * patches of noise at random places (side 2-5 px on a 28 px image, scaled with the image), labels
 * untouched. A model that keeps its prediction under any small patch has no room left for a patch
 * trigger, and the trusted data alone can teach that; it needs no knowledge of the attack (the
 * same kind of augmentation as random erasing / cutout).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../random.ts';

const MAX_PATCHES = 4;

/** The per-step stream: the same (seed, step) stamps the same patches, so a resumed run repeats the batch. */
export function noisePatchSeed(seed: number, step: number): number {
  return (seed * 7919 + step * 104729) >>> 0;
}

/**
 * `images` with noise patches on its first round(fraction * n) rows. Half the patches are black
 * and white noise, half uniform grey levels. Call inside a tidy.
 */
export function stampNoisePatches(images: tf.Tensor4D, fraction: number, seed: number): tf.Tensor4D {
  const [n, height, width, channels] = images.shape;
  const side = Math.min(height, width);
  const minSize = Math.max(1, Math.round((side * 2) / 28));
  const maxSize = Math.min(side, Math.max(minSize, Math.round((side * 5) / 28)));
  const mask = new Float32Array(images.size);
  const noise = new Float32Array(images.size);
  const rng = createRng(seed);
  const stamped = Math.min(n, Math.round(fraction * n));
  for (let i = 0; i < stamped; i++) {
    const patches = 1 + rng.int(MAX_PATCHES);
    for (let p = 0; p < patches; p++) {
      const size = minSize + rng.int(maxSize - minSize + 1);
      const top = rng.int(height - size + 1);
      const left = rng.int(width - size + 1);
      const binary = rng.next() < 0.5;
      for (let y = top; y < top + size; y++) {
        for (let x = left; x < left + size; x++) {
          for (let c = 0; c < channels; c++) {
            const at = ((i * height + y) * width + x) * channels + c;
            mask[at] = 1;
            noise[at] = binary ? (rng.next() < 0.5 ? 0 : 1) : rng.next();
          }
        }
      }
    }
  }
  const m = tf.tensor4d(mask, images.shape);
  return tf.add(tf.mul(images, tf.sub(1, m)), tf.mul(m, tf.tensor4d(noise, images.shape))) as tf.Tensor4D;
}
