/**
 * Trigger-Scattered BadNets, the adaptive attack proposed by Lukas & Kerschbaum: K small
 * random-noise patches at fixed random positions. Each poisoned training sample carries ONE of
 * them (chosen at random), so no single training image shows the whole trigger, while the test
 * trigger stamps all K at once and activates every learned piece together.
 */

import { scatteredPatches, stampAll } from './adaptive.ts';
import { patchSizeOption } from './badnets.ts';
import { integerOption, numberOption, readOptions } from './options.ts';
import { defineAttack, type LooseAttackOptions } from './poisoning.ts';
import type { Patch } from './triggers.ts';
import type { Attack, AttackOptions } from './types.ts';

export interface TriggerScatteredOptions extends AttackOptions {
  /** Number K of patches, 2..16. Default 4. */
  patchCount?: number;
  /** Side of each square patch; 'auto' = round(3/32 * shorter side), at least 3. Default 'auto'. */
  patchSize?: number | 'auto';
  /** Patch opacity in (0, 1], training and test. Default 1. */
  opacity?: number;
}

export type ResolvedTriggerScatteredOptions = Required<TriggerScatteredOptions>;

export const TRIGGER_SCATTERED_DEFAULTS = Object.freeze({ patchCount: 4, patchSize: 'auto', opacity: 1 } as const);

function resolve(input: LooseAttackOptions): ResolvedTriggerScatteredOptions {
  const name = 'trigger-scattered-badnets';
  const { base, raw } = readOptions(name, input, TRIGGER_SCATTERED_DEFAULTS);
  return {
    ...base,
    patchCount: integerOption(name, 'patchCount', raw.patchCount, 2, 16),
    patchSize: patchSizeOption(name, raw.patchSize),
    opacity: numberOption(name, 'opacity', raw.opacity, 0, 1, true),
  };
}

export function createTriggerScatteredBadNets(input: TriggerScatteredOptions): Attack<ResolvedTriggerScatteredOptions> {
  const options = resolve(input as LooseAttackOptions);
  const patchesFor = scatteredPatches('trigger-scattered-badnets', options.seed, options.patchCount, options.patchSize);
  return defineAttack({
    name: 'trigger-scattered-badnets',
    options,
    testTrigger: (image, geometry) => stampAll(image, geometry, patchesFor(geometry), options.opacity),
    plan: (geometry) => {
      const patches = patchesFor(geometry);
      return {
        poisonTrigger: (image, rng) => stampAll(image, geometry, [patches[rng.int(patches.length)] as Patch], options.opacity),
        coverCount: 0,
        coverFromAnyClass: false,
        coverHint: '',
      };
    },
  });
}
