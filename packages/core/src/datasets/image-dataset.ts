/**
 * The in-memory image dataset every part of Antidote exchanges: uint8 NHWC pixels, integer
 * labels and class names. Plain typed arrays (not tensors) so datasets cost no tensor memory
 * until a batch is drawn, and can cross worker threads.
 */
import { AntidoteError } from '../errors.ts';
import { createRng, shuffleInPlace } from '../random.ts';

export interface ImageDataset {
  /** Pixels, NHWC, row-major, 0..255. Length = count * height * width * channels. */
  readonly images: Uint8Array;
  /** Class index per image, 0 <= label < classNames.length. */
  readonly labels: Int32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classNames: readonly string[];
  /** Whether a horizontal flip keeps an image in its class (false for digits and text). */
  readonly flipAugment: boolean;
}

/**
 * Images without labels: a clean set a team has not annotated. It has no `labels` (and no class
 * names), so nothing downstream can mistake it for ground truth; `labelWithModel` (models) turns
 * it into an ImageDataset whose labels are a model's predictions.
 */
export interface UnlabelledImages {
  readonly labelled: false;
  /** Pixels, NHWC, row-major, 0..255. Length = count * height * width * channels. */
  readonly images: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly flipAugment: boolean;
}

/** What an importer that accepts either returns. */
export type ImportedImages = ImageDataset | UnlabelledImages;

export function isUnlabelled(data: ImportedImages): data is UnlabelledImages {
  return 'labelled' in data && data.labelled === false;
}

/** Number of images, labelled or not. */
export function imageCount(data: ImportedImages): number {
  return isUnlabelled(data) ? data.images.length / imageSize(data) : data.labels.length;
}

export function imageSize(dataset: Pick<ImageDataset, 'height' | 'width' | 'channels'>): number {
  return dataset.height * dataset.width * dataset.channels;
}

export function datasetSize(dataset: ImageDataset): number {
  return dataset.labels.length;
}

/** Checks internal consistency; every importer ends with this so bad files fail early and clearly. */
export function validateDataset(dataset: ImageDataset): ImageDataset {
  const { height, width, channels, classNames, images, labels } = dataset;
  validateGeometry(dataset);
  if (classNames.length < 2) {
    throw new AntidoteError('INVALID_INPUT', `A classification dataset needs at least 2 classes, got ${classNames.length}.`);
  }
  const expected = labels.length * imageSize(dataset);
  if (images.length !== expected) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `Pixel buffer holds ${images.length} values but ${labels.length} images of ${height}x${width}x${channels} need ${expected}.`,
    );
  }
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] ?? -1;
    if (!Number.isInteger(label) || label < 0 || label >= classNames.length) {
      throw new AntidoteError(
        'CLASS_MISMATCH',
        `Label ${label} of image ${i} is outside 0..${classNames.length - 1} (${classNames.length} classes).`,
      );
    }
  }
  return dataset;
}

/** The unlabelled counterpart of validateDataset: geometry, and a whole, non-zero number of images. */
export function validateUnlabelled(data: UnlabelledImages): UnlabelledImages {
  validateGeometry(data);
  const size = imageSize(data);
  if (data.images.length === 0 || data.images.length % size !== 0) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `Pixel buffer holds ${data.images.length} values, not a whole non-zero number of ${data.height}x${data.width}x${data.channels} images.`,
    );
  }
  return data;
}

function validateGeometry(data: Pick<ImageDataset, 'height' | 'width' | 'channels'>): void {
  const { height, width, channels } = data;
  for (const [name, value] of [
    ['height', height],
    ['width', width],
    ['channels', channels],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new AntidoteError('SHAPE_MISMATCH', `Dataset ${name} must be a positive integer, got ${value}.`);
    }
  }
  if (channels !== 1 && channels !== 3) {
    throw new AntidoteError('SHAPE_MISMATCH', `Images must have 1 (grayscale) or 3 (RGB) channels, got ${channels}.`);
  }
}

/** A new dataset holding the images at `indices`, in that order. */
export function selectImages(dataset: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const size = imageSize(dataset);
  const images = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const source = indices[i] ?? 0;
    images.set(dataset.images.subarray(source * size, (source + 1) * size), i * size);
    labels[i] = dataset.labels[source] ?? 0;
  }
  return { ...dataset, images, labels };
}

/** Concatenates datasets of the same geometry and classes. */
export function concatDatasets(parts: readonly ImageDataset[]): ImageDataset {
  const first = parts[0];
  if (!first) throw new AntidoteError('INVALID_INPUT', 'Nothing to concatenate.');
  for (const part of parts) {
    if (part.height !== first.height || part.width !== first.width || part.channels !== first.channels) {
      throw new AntidoteError('SHAPE_MISMATCH', 'Cannot concatenate datasets with different image shapes.');
    }
    if (part.classNames.length !== first.classNames.length) {
      throw new AntidoteError('CLASS_MISMATCH', 'Cannot concatenate datasets with different class counts.');
    }
  }
  const images = new Uint8Array(parts.reduce((n, p) => n + p.images.length, 0));
  const labels = new Int32Array(parts.reduce((n, p) => n + p.labels.length, 0));
  let pixelOffset = 0;
  let labelOffset = 0;
  for (const part of parts) {
    images.set(part.images, pixelOffset);
    labels.set(part.labels, labelOffset);
    pixelOffset += part.images.length;
    labelOffset += part.labels.length;
  }
  return { ...first, images, labels };
}

export function classHistogram(dataset: ImageDataset): number[] {
  const counts = new Array<number>(dataset.classNames.length).fill(0);
  for (const label of dataset.labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

/** Indices of each class, in dataset order. */
export function indicesByClass(dataset: ImageDataset): number[][] {
  const groups: number[][] = dataset.classNames.map(() => []);
  dataset.labels.forEach((label, i) => {
    groups[label]?.push(i);
  });
  return groups;
}

export interface StratifiedSplit {
  selected: ImageDataset;
  rest: ImageDataset;
}

/**
 * Seeded stratified sample: takes `fraction` of every class (at least one image per non-empty
 * class), e.g. the 1% trusted subset a defender owns. `rest` holds everything else.
 */
export function stratifiedSample(dataset: ImageDataset, fraction: number, seed: number): StratifiedSplit {
  if (!(fraction > 0 && fraction < 1)) {
    throw new AntidoteError('INVALID_INPUT', `fraction must be in (0, 1), got ${fraction}.`);
  }
  const rng = createRng(seed);
  const selected: number[] = [];
  const rest: number[] = [];
  for (const group of indicesByClass(dataset)) {
    const shuffled = shuffleInPlace([...group], rng);
    const take = group.length === 0 ? 0 : Math.max(1, Math.round(group.length * fraction));
    selected.push(...shuffled.slice(0, take));
    rest.push(...shuffled.slice(take));
  }
  selected.sort((a, b) => a - b);
  rest.sort((a, b) => a - b);
  return { selected: selectImages(dataset, selected), rest: selectImages(dataset, rest) };
}

/** Pixel i of image n as a float in [0, 1]; used by code that works image by image. */
export function imageView(dataset: ImageDataset, index: number): Uint8Array {
  const size = imageSize(dataset);
  return dataset.images.subarray(index * size, (index + 1) * size);
}
