/**
 * Blend (Chen et al. 2017): a full-image pattern alpha-blended into the image. Without a
 * bundled artwork (the literature often uses a Hello Kitty picture) the pattern is seeded
 * uniform noise, which is the other common choice and needs no asset.
 */
import { numberOption, readOptions } from './options.ts';
import { defineAttack, type LooseAttackOptions } from './poisoning.ts';
import { blendInto, deriveRng, perGeometry, randomNoisePixels } from './triggers.ts';
import type { Attack, AttackOptions, ImageGeometry } from './types.ts';

export interface BlendOptions extends AttackOptions {
  /** Blend weight of the pattern in training, in (0, 1]. Default 0.1. */
  alpha?: number;
  /** Blend weight at test time, in (0, 1]. Default: the training `alpha`. */
  testAlpha?: number;
}

export type ResolvedBlendOptions = Required<BlendOptions>;

export const BLEND_DEFAULTS = Object.freeze({ alpha: 0.1 } as const);

function resolve(input: LooseAttackOptions): ResolvedBlendOptions {
  const name = 'blend';
  const { base, raw } = readOptions(name, input, BLEND_DEFAULTS, ['testAlpha']);
  const alpha = numberOption(name, 'alpha', raw.alpha, 0, 1, true);
  return { ...base, alpha, testAlpha: numberOption(name, 'testAlpha', raw.testAlpha ?? alpha, 0, 1, true) };
}

/** The seeded full-image noise pattern; per channel, so RGB images get colour noise. */
export function noisePattern(seed: number, stream: string): (geometry: ImageGeometry) => Uint8Array {
  return perGeometry((geometry) =>
    randomNoisePixels(deriveRng(seed, stream), geometry.height * geometry.width, geometry.channels),
  );
}

export function createBlend(input: BlendOptions): Attack<ResolvedBlendOptions> {
  const options = resolve(input as LooseAttackOptions);
  const patternFor = noisePattern(options.seed, 'blend:pattern');
  const blend = (image: Uint8Array, geometry: ImageGeometry, alpha: number) => {
    blendInto(image, patternFor(geometry), geometry.channels, alpha);
    return image;
  };
  return defineAttack({
    name: 'blend',
    options,
    testTrigger: (image, geometry) => blend(image, geometry, options.testAlpha),
    plan: (geometry) => ({
      poisonTrigger: (image) => blend(image, geometry, options.alpha),
      coverCount: 0,
      coverFromAnyClass: false,
      coverHint: '',
    }),
  });
}
