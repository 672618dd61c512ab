/**
 * SIG (Barni, Kallas & Tondi, ICIP 2019): a clean-label backdoor whose trigger is a horizontal
 * sinusoidal signal v(i, j) = delta * sin(2 * pi * j * f / width), added to every row and channel.
 * Only images OF the target class get the signal and every label is kept, so a poisoned image is
 * correctly labelled and the model learns "stripes mean target" from the target class alone.
 *
 * Defaults follow the paper and the common re-implementations: delta = 20 grey levels (of 255)
 * and f = 6 periods across the image, the same signal in training and at test (`testDelta`
 * raises the test amplitude, which the paper also allows).
 */
import { integerOption, numberOption, readOptions } from './options.ts';
import { defineAttack, type LooseAttackOptions } from './poisoning.ts';
import { perGeometry, toByte } from './triggers.ts';
import type { Attack, AttackOptions, ImageGeometry } from './types.ts';

export interface SigOptions extends AttackOptions {
  /** Amplitude of the signal in training, in grey levels (0, 255]. Default 20. */
  delta?: number;
  /** Amplitude at test time, in grey levels (0, 255]. Default: the training `delta`. */
  testDelta?: number;
  /**
   * Periods across the image width, an integer >= 1. Default 6. Above width / 2 the sampled
   * sine aliases to a lower frequency (still a fixed signal, just not the one named).
   */
  frequency?: number;
}

export type ResolvedSigOptions = Required<SigOptions>;

export const SIG_DEFAULTS = Object.freeze({ delta: 20, frequency: 6 } as const);

function resolve(input: LooseAttackOptions): ResolvedSigOptions {
  const name = 'sig';
  const { base, raw } = readOptions(name, input, SIG_DEFAULTS, ['testDelta']);
  const delta = numberOption(name, 'delta', raw.delta, 0, 255, true);
  return {
    ...base,
    delta,
    testDelta: numberOption(name, 'testDelta', raw.testDelta ?? delta, 0, 255, true),
    frequency: integerOption(name, 'frequency', raw.frequency, 1),
  };
}

/** sin(2 pi j f / width) per column; the signal is constant down each column. */
export function sigProfile(width: number, frequency: number): Float64Array {
  return Float64Array.from({ length: width }, (_, j) => Math.sin((2 * Math.PI * j * frequency) / width));
}

export function createSig(input: SigOptions): Attack<ResolvedSigOptions> {
  const options = resolve(input as LooseAttackOptions);
  const profileFor = perGeometry((geometry) => sigProfile(geometry.width, options.frequency));
  const add = (image: Uint8Array, geometry: ImageGeometry, delta: number) => {
    const profile = profileFor(geometry);
    const { height, width, channels } = geometry;
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const shift = delta * (profile[c] as number);
        for (let k = 0; k < channels; k++) {
          const i = (r * width + c) * channels + k;
          image[i] = toByte((image[i] as number) + shift);
        }
      }
    }
    return image;
  };
  return defineAttack({
    name: 'sig',
    options,
    cleanLabel: true,
    testTrigger: (image, geometry) => add(image, geometry, options.testDelta),
    plan: (geometry) => ({
      poisonTrigger: (image) => add(image, geometry, options.delta),
      coverCount: 0,
      coverFromAnyClass: false,
      coverHint: '',
    }),
  });
}
