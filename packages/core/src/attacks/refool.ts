/**
 * Refool-style reflection backdoor (Liu et al., "Reflection Backdoor", ECCV 2020): the trigger
 * is a reflection, i.e. another image overlaid on the photo through a reflection kernel, either
 * a "ghost" (the reflection plus a copy of it shifted by a few pixels, as from a thick pane) or an
 * out-of-focus "blur" (a Gaussian). Clean-label, as Refool and the paper this product follows run
 * it: only images OF the target class get a reflection and every label is kept.
 *
 * Reflections are other images of the dataset: `reflectionCount` images outside the target class
 * are drawn by seed from the dataset the attack is fitted on (`poison` fits on the training set;
 * `triggeredTestSet` fits on the evaluation set when the attack was never fitted). A triggered
 * image gets x + strength * K(R), clipped: a reflection adds light. In training each poisoned
 * image takes a random reflection of the pool; at test time the pool image is picked by a hash of
 * the image's bytes, so `applyTrigger` stays a pure function of its input.
 */
import { type ImageDataset, imageSize } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';
import { sampleWithoutReplacement } from '../random.ts';
import { choiceOption, integerOption, numberOption, readOptions } from './options.ts';
import { defineAttack, type LooseAttackOptions } from './poisoning.ts';
import { deriveRng, geometryKey, toByte } from './triggers.ts';
import type { Attack, AttackOptions, ImageGeometry } from './types.ts';

export type ReflectionKernel = 'ghost' | 'blur';
export const REFLECTION_KERNELS: readonly ReflectionKernel[] = ['ghost', 'blur'];

export interface RefoolOptions extends AttackOptions {
  /** Dataset images used as reflections, an integer in 1..1000. Default 16. */
  reflectionCount?: number;
  /** Weight of the reflection added to the image, in (0, 1], training and test. Default 0.4. */
  strength?: number;
  /** 'ghost': R and R shifted by `ghostOffset` px, averaged; 'blur': R through a Gaussian of `blurSigma`. Default 'ghost'. */
  kernel?: ReflectionKernel;
  /** Shift of the ghost copy, down and right, in pixels, an integer in 1..16. Default 3. */
  ghostOffset?: number;
  /** Standard deviation of the blur, in pixels, in (0, 8]. Default 1.5. */
  blurSigma?: number;
}

export type ResolvedRefoolOptions = Required<RefoolOptions>;

export const REFOOL_DEFAULTS = Object.freeze({
  reflectionCount: 16,
  strength: 0.4,
  kernel: 'ghost',
  ghostOffset: 3,
  blurSigma: 1.5,
} as const satisfies Omit<ResolvedRefoolOptions, keyof AttackOptions>);

function resolve(input: LooseAttackOptions): ResolvedRefoolOptions {
  const name = 'refool';
  const { base, raw } = readOptions(name, input, REFOOL_DEFAULTS);
  return {
    ...base,
    reflectionCount: integerOption(name, 'reflectionCount', raw.reflectionCount, 1, 1000),
    strength: numberOption(name, 'strength', raw.strength, 0, 1, true),
    kernel: choiceOption(name, 'kernel', raw.kernel, REFLECTION_KERNELS),
    ghostOffset: integerOption(name, 'ghostOffset', raw.ghostOffset, 1, 16),
    blurSigma: numberOption(name, 'blurSigma', raw.blurSigma, 0, 8, true),
  };
}

/** Ghost: the mean of R and R shifted down-right by `offset` (edge pixels repeated). */
export function ghostReflection(source: Uint8Array, geometry: ImageGeometry, offset: number): Float64Array {
  const { height, width, channels } = geometry;
  const out = new Float64Array(source.length);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const rr = Math.max(0, r - offset);
      const cc = Math.max(0, c - offset);
      for (let k = 0; k < channels; k++) {
        const here = source[(r * width + c) * channels + k] as number;
        const shifted = source[(rr * width + cc) * channels + k] as number;
        out[(r * width + c) * channels + k] = (here + shifted) / 2;
      }
    }
  }
  return out;
}

/** Separable Gaussian blur, radius ceil(3 sigma), clamped borders, weights summing to 1. */
export function blurReflection(source: Uint8Array, geometry: ImageGeometry, sigma: number): Float64Array {
  const { height, width, channels } = geometry;
  const radius = Math.ceil(3 * sigma);
  const taps = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = taps.reduce((a, b) => a + b, 0);
  const weights = taps.map((w) => w / total);
  const pass = (input: Float64Array, horizontal: boolean) => {
    const out = new Float64Array(input.length);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        for (let k = 0; k < channels; k++) {
          let sum = 0;
          for (let t = -radius; t <= radius; t++) {
            const rr = horizontal ? r : Math.min(height - 1, Math.max(0, r + t));
            const cc = horizontal ? Math.min(width - 1, Math.max(0, c + t)) : c;
            sum += (weights[t + radius] as number) * (input[(rr * width + cc) * channels + k] as number);
          }
          out[(r * width + c) * channels + k] = sum;
        }
      }
    }
    return out;
  };
  return pass(pass(Float64Array.from(source), true), false);
}

/** FNV-1a over the bytes: picks a test-time reflection as a pure function of the image. */
function imageHash(image: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < image.length; i++) hash = Math.imul(hash ^ (image[i] as number), 0x01000193);
  return hash >>> 0;
}

export function createRefool(input: RefoolOptions): Attack<ResolvedRefoolOptions> {
  const options = resolve(input as LooseAttackOptions);
  // Kernelled reflections, per geometry of the dataset they were drawn from.
  let pool: { key: string; reflections: Float64Array[] } | null = null;

  const fitTrigger = (dataset: ImageDataset) => {
    const geometry = { height: dataset.height, width: dataset.width, channels: dataset.channels };
    const size = imageSize(dataset);
    let candidates = [...dataset.labels.keys()].filter((i) => dataset.labels[i] !== options.targetClass);
    // A dataset of the target class alone still has images to reflect.
    if (candidates.length === 0) candidates = [...dataset.labels.keys()];
    if (candidates.length === 0)
      throw new AntidoteError('INVALID_INPUT', 'refool: the dataset has no images to draw reflections from.');
    const rng = deriveRng(options.seed, 'refool:reflections');
    const chosen = sampleWithoutReplacement(candidates.length, Math.min(options.reflectionCount, candidates.length), rng);
    const reflections = chosen.map((k) => {
      const i = candidates[k] as number;
      const source = dataset.images.subarray(i * size, (i + 1) * size);
      return options.kernel === 'ghost'
        ? ghostReflection(source, geometry, options.ghostOffset)
        : blurReflection(source, geometry, options.blurSigma);
    });
    pool = { key: geometryKey(geometry), reflections };
  };

  const reflectionsFor = (geometry: ImageGeometry): Float64Array[] => {
    if (pool === null) {
      throw new AntidoteError(
        'INVALID_INPUT',
        'refool: no reflections drawn yet; poison a training set or call fitTrigger(dataset) before applyTrigger.',
      );
    }
    if (pool.key !== geometryKey(geometry)) {
      throw new AntidoteError(
        'SHAPE_MISMATCH',
        `refool: reflections were drawn from ${pool.key} images, not ${geometryKey(geometry)}; fit on a dataset of this geometry.`,
      );
    }
    return pool.reflections;
  };

  const reflect = (image: Uint8Array, reflection: Float64Array) => {
    for (let i = 0; i < image.length; i++) image[i] = toByte((image[i] as number) + options.strength * (reflection[i] as number));
    return image;
  };

  const attack = defineAttack({
    name: 'refool',
    options,
    cleanLabel: true,
    testTrigger: (image, geometry) => {
      const reflections = reflectionsFor(geometry);
      return reflect(image, reflections[imageHash(image) % reflections.length] as Float64Array);
    },
    plan: (geometry, train) => {
      if (pool === null) fitTrigger(train);
      const reflections = reflectionsFor(geometry);
      return {
        poisonTrigger: (image, rng) => reflect(image, reflections[rng.int(reflections.length)] as Float64Array),
        coverCount: 0,
        coverFromAnyClass: false,
        coverHint: '',
      };
    },
  });
  return {
    name: attack.name,
    options: attack.options,
    cleanLabel: true,
    applyTrigger: attack.applyTrigger,
    poison: attack.poison,
    fitTrigger,
    get triggerFitted() {
      return pool !== null;
    },
  };
}
