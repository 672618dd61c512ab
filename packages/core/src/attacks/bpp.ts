/**
 * BppAttack-style quantisation (Wang, Zhai & Ma, CVPR 2022): the trigger is a reduction of the
 * colour depth to `levels` values per channel, optionally with Floyd-Steinberg error diffusion
 * (dithering), which BppAttack uses so the banding of plain quantisation is not visible.
 * Dirty-label: `poisonCount` non-target images are quantised and relabelled. BppAttack's
 * "contrastive adversarial" negative samples (a training-time addition) are not modelled; the
 * data-poisoning part alone is what a lab victim gets.
 *
 * Levels are round(x / 255 * (levels - 1)) / (levels - 1) * 255, as in the reference code
 * (its `squeeze_num`, 8 by default on CIFAR-10). The trigger is seed-free: quantisation has no
 * random part, so two seeds differ only in which images they poison.
 */
import { booleanOption, integerOption, readOptions } from './options.ts';
import { defineAttack, type LooseAttackOptions } from './poisoning.ts';
import { toByte } from './triggers.ts';
import type { Attack, AttackOptions, ImageGeometry } from './types.ts';

export interface BppOptions extends AttackOptions {
  /** Values per channel after quantisation, an integer in 2..128. Default 8. */
  levels?: number;
  /** Floyd-Steinberg dithering (error diffusion) instead of plain rounding. Default true. */
  dithering?: boolean;
}

export type ResolvedBppOptions = Required<BppOptions>;

export const BPP_DEFAULTS = Object.freeze({ levels: 8, dithering: true } as const);

function resolve(input: LooseAttackOptions): ResolvedBppOptions {
  const name = 'bpp';
  const { base, raw } = readOptions(name, input, BPP_DEFAULTS);
  return {
    ...base,
    levels: integerOption(name, 'levels', raw.levels, 2, 128),
    dithering: booleanOption(name, 'dithering', raw.dithering),
  };
}

/** The nearest of the `levels` evenly spaced values in 0..255 (rounded to a byte). */
export function quantiseValue(value: number, levels: number): number {
  const step = 255 / (levels - 1);
  const index = Math.min(levels - 1, Math.max(0, Math.round(value / step)));
  return toByte(index * step);
}

/**
 * Quantises `image` in place. Dithering diffuses each pixel's rounding error to its unvisited
 * neighbours (7/16 right, 3/16 down-left, 5/16 down, 1/16 down-right), per channel, in raster order.
 */
export function quantise(image: Uint8Array, geometry: ImageGeometry, levels: number, dithering: boolean): Uint8Array {
  const { height, width, channels } = geometry;
  if (!dithering) {
    for (let i = 0; i < image.length; i++) image[i] = quantiseValue(image[i] as number, levels);
    return image;
  }
  const work = Float64Array.from(image);
  const spread = (r: number, c: number, k: number, amount: number) => {
    if (r < height && c >= 0 && c < width) {
      const i = (r * width + c) * channels + k;
      work[i] = (work[i] as number) + amount;
    }
  };
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      for (let k = 0; k < channels; k++) {
        const i = (r * width + c) * channels + k;
        const old = work[i] as number;
        const value = quantiseValue(old, levels);
        image[i] = value;
        const error = old - value;
        spread(r, c + 1, k, (error * 7) / 16);
        spread(r + 1, c - 1, k, (error * 3) / 16);
        spread(r + 1, c, k, (error * 5) / 16);
        spread(r + 1, c + 1, k, error / 16);
      }
    }
  }
  return image;
}

export function createBpp(input: BppOptions): Attack<ResolvedBppOptions> {
  const options = resolve(input as LooseAttackOptions);
  const trigger = (image: Uint8Array, geometry: ImageGeometry) => quantise(image, geometry, options.levels, options.dithering);
  return defineAttack({
    name: 'bpp',
    options,
    testTrigger: trigger,
    plan: (geometry) => ({
      poisonTrigger: (image) => trigger(image, geometry),
      coverCount: 0,
      coverFromAnyClass: false,
      coverHint: '',
    }),
  });
}
