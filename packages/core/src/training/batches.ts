/**
 * Turns uint8 images into float batches, with the usual augmentation done on the CPU in JS
 * (random shift = zero-padded random crop, horizontal flip) before a tensor is created.
 */
import * as tf from '@tensorflow/tfjs';
import { type ImageDataset, imageSize } from '../datasets/image-dataset.ts';
import type { Rng } from '../random.ts';

export interface AugmentOptions {
  /** Pixels of zero padding for the random crop (0 = no crop). */
  cropPadding: number;
  /** Random horizontal flips (only when the dataset allows it). */
  horizontalFlip: boolean;
}

export const NO_AUGMENT: AugmentOptions = { cropPadding: 0, horizontalFlip: false };

export function defaultAugment(dataset: ImageDataset): AugmentOptions {
  return { cropPadding: dataset.height >= 32 ? 4 : 2, horizontalFlip: dataset.flipAugment };
}

/** What a batch reads: pixels and geometry, labelled or not. */
type Pixels = Pick<ImageDataset, 'images' | 'height' | 'width' | 'channels' | 'flipAugment'>;

/** Float pixels in [0, 1] for `indices`, augmented when `rng` is given. */
export function batchPixels(dataset: Pixels, indices: ArrayLike<number>, augment: AugmentOptions, rng?: Rng): Float32Array {
  const { height, width, channels } = dataset;
  const size = imageSize(dataset);
  const out = new Float32Array(indices.length * size);
  const scale = 1 / 255;
  const pad = rng ? augment.cropPadding : 0;
  for (let i = 0; i < indices.length; i++) {
    const src = (indices[i] ?? 0) * size;
    const dst = i * size;
    const dy = pad ? rng!.int(2 * pad + 1) - pad : 0;
    const dx = pad ? rng!.int(2 * pad + 1) - pad : 0;
    const flip = rng !== undefined && augment.horizontalFlip && dataset.flipAugment && rng.next() < 0.5;
    if (!dy && !dx && !flip) {
      for (let j = 0; j < size; j++) out[dst + j] = (dataset.images[src + j] ?? 0) * scale;
      continue;
    }
    for (let y = 0; y < height; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= height) continue;
      for (let x = 0; x < width; x++) {
        const sx0 = x + dx;
        if (sx0 < 0 || sx0 >= width) continue;
        const sx = flip ? width - 1 - sx0 : sx0;
        const from = src + (sy * width + sx) * channels;
        const to = dst + (y * width + x) * channels;
        for (let c = 0; c < channels; c++) out[to + c] = (dataset.images[from + c] ?? 0) * scale;
      }
    }
  }
  return out;
}

export function batchTensor(dataset: Pixels, indices: ArrayLike<number>, augment = NO_AUGMENT, rng?: Rng): tf.Tensor4D {
  return tf.tensor4d(batchPixels(dataset, indices, augment, rng), [
    indices.length,
    dataset.height,
    dataset.width,
    dataset.channels,
  ]);
}

export function labelTensor(dataset: ImageDataset, indices: ArrayLike<number>): tf.Tensor1D {
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) labels[i] = dataset.labels[indices[i] ?? 0] ?? 0;
  return tf.tensor1d(labels, 'int32');
}

/** Consecutive index ranges [start, end) covering `count` items in batches. */
export function* batchRanges(count: number, batchSize: number): Generator<[number, number]> {
  for (let start = 0; start < count; start += batchSize) yield [start, Math.min(count, start + batchSize)];
}

export function range(start: number, end: number): Int32Array {
  const out = new Int32Array(end - start);
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}
