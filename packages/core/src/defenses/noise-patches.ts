/**
 * Random noise for Pivotal Tuning's batches, labels untouched. A share of each batch gets 1-4
 * square patches of noise at random places (side 2-5 px on a 28 px image, scaled with the image):
 * a model that keeps its prediction under any small patch has no room left for a patch trigger,
 * and the trusted data alone can teach that without knowing the attack (the same kind of
 * augmentation as random erasing / cutout). When the suspect itself shows that faint full-image
 * noise steers it (`noiseSensitivity`), another share is blended with such noise, which teaches the
 * same for blend triggers.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../datasets/image-dataset.ts';
import { predictBatch } from '../models/features.ts';
import { createRng } from '../random.ts';
import { batchTensor, range } from '../training/batches.ts';

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
  return mixIn(images, tf.tensor4d(mask, images.shape), tf.tensor4d(noise, images.shape));
}

/** images x (1 - weight) + weight x noise, per pixel (weight and noise broadcast). Call inside a tidy. */
function mixIn(images: tf.Tensor4D, weight: tf.Tensor, noise: tf.Tensor): tf.Tensor4D {
  return tf.add(tf.mul(images, tf.sub(1, weight)), tf.mul(weight, noise)) as tf.Tensor4D;
}

/** Images per forward pass of the `noiseSensitivity` probe. */
const PROBE_BATCH = 256;

/** Opacity of the full-image noise in `blendNoise` and in the `noiseSensitivity` probe. */
const BLEND_OPACITY = { min: 0.1, max: 0.3, probe: 0.2 } as const;

/** One noise pattern for a whole image: half the patterns black and white, half uniform grey levels. */
function noisePattern(size: number, next: () => number, binary: boolean): Float32Array {
  return Float32Array.from({ length: size }, () => (binary ? (next() < 0.5 ? 0 : 1) : next()));
}

/**
 * `images` with its LAST round(fraction * n) rows blended with a full-image noise pattern at a
 * random opacity in [0.1, 0.3], so with `stampNoisePatches` on the first rows and fractions that
 * add up to at most 1 no image gets both. Call inside a tidy.
 */
export function blendNoise(images: tf.Tensor4D, fraction: number, seed: number): tf.Tensor4D {
  const [n] = images.shape;
  const perImage = images.size / n;
  const alpha = new Float32Array(images.size);
  const noise = new Float32Array(images.size);
  const rng = createRng(seed ^ 0x5bd1e995);
  const next = () => rng.next();
  const blended = Math.min(n, Math.round(fraction * n));
  for (let i = n - blended; i < n; i++) {
    const opacity = BLEND_OPACITY.min + (BLEND_OPACITY.max - BLEND_OPACITY.min) * rng.next();
    alpha.fill(opacity, i * perImage, (i + 1) * perImage);
    noise.set(noisePattern(perImage, next, rng.next() < 0.5), i * perImage);
  }
  return mixIn(images, tf.tensor4d(alpha, images.shape), tf.tensor4d(noise, images.shape));
}

export interface NoiseSensitivity {
  /** Largest share, over classes c, of images not predicted c that random noise turns into c. */
  share: number;
  /** The class that share belongs to. */
  toClass: number;
}

/**
 * How far faint random noise steers `model` towards one class: `patterns` black-and-white noise
 * images blended at opacity 0.2 over the dataset's images, and per class c the share of images the model
 * does not already call c that it then calls c. Needs no labels and no knowledge of an attack.
 * Blend backdoors score far higher than other victims and clean models (docs/method.md#pivotal-tuning).
 */
export function noiseSensitivity(model: tf.LayersModel, dataset: ImageDataset, seed: number, patterns = 5): NoiseSensitivity {
  const n = dataset.labels.length;
  const { height, width, channels } = dataset;
  const numClasses = (model.outputs[0]?.shape.at(-1) as number | undefined) ?? 0;
  const rng = createRng(seed ^ 0x2545f491);
  const next = () => rng.next();
  const noise = Array.from({ length: patterns }, () => noisePattern(height * width * channels, next, true));
  const clean = new Int32Array(n);
  const moved = new Array<number>(numClasses).fill(0);
  // In slices, so a large trusted set of large images never sits in memory as one tensor.
  for (let start = 0; start < n; start += PROBE_BATCH) {
    const end = Math.min(n, start + PROBE_BATCH);
    tf.tidy(() => {
      const images = batchTensor(dataset, range(start, end));
      clean.set(tf.argMax(predictBatch(model, images) as tf.Tensor, -1).dataSync(), start);
      for (const pattern of noise) {
        const blended = mixIn(images, tf.scalar(BLEND_OPACITY.probe), tf.tensor4d(pattern, [1, height, width, channels]));
        const predicted = tf.argMax(predictBatch(model, blended) as tf.Tensor, -1).dataSync();
        for (let i = start; i < end; i++) {
          const to = predicted[i - start] ?? 0;
          if (to !== clean[i]) moved[to] = (moved[to] ?? 0) + 1;
        }
      }
    });
  }
  let best: NoiseSensitivity = { share: 0, toClass: 0 };
  for (let c = 0; c < numClasses; c++) {
    const others = clean.reduce((count, k) => count + (k === c ? 0 : 1), 0);
    const share = others > 0 ? (moved[c] ?? 0) / (patterns * others) : 0;
    if (share > best.share) best = { share, toClass: c };
  }
  return best;
}
