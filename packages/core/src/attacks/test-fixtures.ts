/** Small datasets for the attacks' tests (not exported from the package). */
import type { ImageDataset } from '../datasets/image-dataset.ts';
import { createRng } from '../random.ts';
import type { ImageGeometry } from './types.ts';

/**
 * `count` images with balanced, shuffled labels: uniform noise, or, with `flat`, one mid-grey
 * value per image (so additive triggers are not clipped and their shape can be read back).
 */
export function fixtureDataset(
  count: number,
  geometry: ImageGeometry,
  classes: number,
  seed: number,
  flat = false,
): ImageDataset {
  const { height, width, channels } = geometry;
  const size = height * width * channels;
  const rng = createRng(seed);
  const images = new Uint8Array(count * size);
  for (let i = 0; i < count; i++) {
    const grey = flat ? 80 + rng.int(96) : 0;
    for (let j = 0; j < size; j++) images[i * size + j] = flat ? grey : rng.int(256);
  }
  const order = Array.from({ length: count }, (_, i) => i % classes);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return {
    images,
    labels: Int32Array.from(order),
    height,
    width,
    channels,
    classNames: Array.from({ length: classes }, (_, i) => `class ${i}`),
    flipAugment: false,
  };
}

export function imageOf(dataset: ImageDataset, index: number): Uint8Array {
  const size = dataset.height * dataset.width * dataset.channels;
  return dataset.images.subarray(index * size, (index + 1) * size);
}

export function geometryOfDataset(dataset: ImageDataset): ImageGeometry {
  return { height: dataset.height, width: dataset.width, channels: dataset.channels };
}

/** Indices of images that differ between two datasets of the same shape. */
export function changedImages(a: ImageDataset, b: ImageDataset): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.labels.length; i++) {
    const x = imageOf(a, i);
    const y = imageOf(b, i);
    if (x.some((v, k) => v !== y[k])) out.push(i);
  }
  return out;
}
