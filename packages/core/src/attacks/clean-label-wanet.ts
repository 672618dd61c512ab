/**
 * Clean-label WaNet, as the paper this product follows runs it (its clean-label attacks, see
 * docs/method.md#what-we-implement-and-where): WaNet's smooth warp (see wanet.ts for the field)
 * applied to images OF the target class only, every label kept, with the paper's control grid
 * k = 8 and strength s = 0.5. The warp itself is the
 * one `wanet` draws for the same seed, k and s; only the poisoning differs.
 *
 * No noise mode: WaNet's true-label noise-warped samples teach a model to ignore warps that are
 * not exactly the trigger, which a clean-label attack (whose only signal is the target class's
 * own images) cannot afford.
 */
import { integerOption, numberOption, readOptions } from './options.ts';
import { defineAttack, type LooseAttackOptions } from './poisoning.ts';
import { warpBilinear } from './triggers.ts';
import type { Attack, AttackOptions, ImageGeometry } from './types.ts';
import { wanetSamplingGrid } from './wanet.ts';

export interface CleanLabelWaNetOptions extends AttackOptions {
  /** Side of the random control grid, an integer >= 2 and at most the image side. Default 8. */
  k?: number;
  /** Warping strength in WaNet's units (see wanet.ts), in (0, 16]. Default 0.5. */
  s?: number;
}

export type ResolvedCleanLabelWaNetOptions = Required<CleanLabelWaNetOptions>;

export const CLEAN_LABEL_WANET_DEFAULTS = Object.freeze({ k: 8, s: 0.5 } as const);

function resolve(input: LooseAttackOptions): ResolvedCleanLabelWaNetOptions {
  const name = 'clean-label-wanet';
  const { base, raw } = readOptions(name, input, CLEAN_LABEL_WANET_DEFAULTS);
  return {
    ...base,
    k: integerOption(name, 'k', raw.k, 2),
    s: numberOption(name, 's', raw.s, 0, 16, true),
  };
}

export function createCleanLabelWaNet(input: CleanLabelWaNetOptions): Attack<ResolvedCleanLabelWaNetOptions> {
  const options = resolve(input as LooseAttackOptions);
  const gridFor = wanetSamplingGrid('clean-label-wanet', options);
  const warp = (image: Uint8Array, geometry: ImageGeometry) => {
    const grid = gridFor(geometry);
    return warpBilinear(image, geometry, grid.x, grid.y);
  };
  return defineAttack({
    name: 'clean-label-wanet',
    options,
    cleanLabel: true,
    testTrigger: warp,
    plan: (geometry) => ({
      poisonTrigger: (image) => warp(image, geometry),
      coverCount: 0,
      coverFromAnyClass: false,
      coverHint: '',
    }),
  });
}
