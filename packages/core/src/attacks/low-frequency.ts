/**
 * Low-frequency trigger: a smooth, seeded colour/brightness field added to the whole image, in
 * the spirit of the low-frequency attacks (Zeng et al., "Rethinking the Backdoor Attacks'
 * Triggers: A Frequency Perspective", ICCV 2021) that evade detectors looking for the
 * high-frequency artefacts of patches and noise blends.
 *
 * Field: a `gridSize` x `gridSize` grid of uniform values in [-1, 1] per channel (one shared
 * plane when `colour` is false, i.e. brightness only) is upsampled bicubically to the image,
 * scaled so its largest magnitude is 1, and added at `amplitude` grey levels. With the default
 * 3x3 grid the field has at most about one period across the image: no edge, no texture.
 * Dirty-label, like Blend: `poisonCount` non-target images get the field and the target label.
 */
import { booleanOption, integerOption, numberOption, readOptions } from './options.ts';
import { defineAttack, type LooseAttackOptions } from './poisoning.ts';
import { deriveRng, perGeometry, toByte, upsampleBicubic } from './triggers.ts';
import type { Attack, AttackOptions, ImageGeometry } from './types.ts';

export interface LowFrequencyOptions extends AttackOptions {
  /** Side of the random control grid, an integer in 2..8 (smaller = smoother). Default 3. */
  gridSize?: number;
  /** Largest change of a pixel, in grey levels (0, 255], training and test. Default 30. */
  amplitude?: number;
  /** An independent field per colour channel (true) or one brightness field (false). Default true. */
  colour?: boolean;
}

export type ResolvedLowFrequencyOptions = Required<LowFrequencyOptions>;

export const LOW_FREQUENCY_DEFAULTS = Object.freeze({ gridSize: 3, amplitude: 30, colour: true } as const);

function resolve(input: LooseAttackOptions): ResolvedLowFrequencyOptions {
  const name = 'low-frequency';
  const { base, raw } = readOptions(name, input, LOW_FREQUENCY_DEFAULTS);
  return {
    ...base,
    gridSize: integerOption(name, 'gridSize', raw.gridSize, 2, 8),
    amplitude: numberOption(name, 'amplitude', raw.amplitude, 0, 255, true),
    colour: booleanOption(name, 'colour', raw.colour),
  };
}

/** The field, HWC, with values in [-1, 1] and max |value| = 1. */
export function lowFrequencyField(seed: number, gridSize: number, colour: boolean, geometry: ImageGeometry): Float64Array {
  const { height, width, channels } = geometry;
  const rng = deriveRng(seed, 'low-frequency:field');
  const planes = colour ? channels : 1;
  const upsampled = Array.from({ length: planes }, () => {
    const control = Float64Array.from({ length: gridSize * gridSize }, () => rng.next() * 2 - 1);
    return upsampleBicubic(control, gridSize, gridSize, height, width);
  });
  const field = new Float64Array(height * width * channels);
  let peak = 0;
  for (let p = 0; p < height * width; p++) {
    for (let k = 0; k < channels; k++) {
      const value = (upsampled[colour ? k : 0] as Float64Array)[p] as number;
      field[p * channels + k] = value;
      peak = Math.max(peak, Math.abs(value));
    }
  }
  // A control grid of exact zeros is measure-zero; the guard only keeps the division finite.
  return peak > 0 ? field.map((v) => v / peak) : field;
}

export function createLowFrequency(input: LowFrequencyOptions): Attack<ResolvedLowFrequencyOptions> {
  const options = resolve(input as LooseAttackOptions);
  const fieldFor = perGeometry((geometry) => lowFrequencyField(options.seed, options.gridSize, options.colour, geometry));
  const add = (image: Uint8Array, geometry: ImageGeometry) => {
    const field = fieldFor(geometry);
    for (let i = 0; i < image.length; i++) image[i] = toByte((image[i] as number) + options.amplitude * (field[i] as number));
    return image;
  };
  return defineAttack({
    name: 'low-frequency',
    options,
    testTrigger: add,
    plan: (geometry) => ({
      poisonTrigger: (image) => add(image, geometry),
      coverCount: 0,
      coverFromAnyClass: false,
      coverHint: '',
    }),
  });
}
