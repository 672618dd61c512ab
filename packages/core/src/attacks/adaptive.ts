/**
 * Adaptive-Blend and Adaptive-Patch (Qi et al., "Revisiting the Assumption of Latent
 * Separability for Backdoor Defenses", ICLR 2023). Two ideas weaken the latent signature that
 * defenses look for: (1) each training sample carries only a random part of the trigger, while
 * the test trigger is complete; (2) "conservatism": some triggered samples keep their TRUE label.
 *
 * Cover rule: the conservatism ratio r is, as in the paper, the share of triggered training
 * samples that keep their true label, so `poisonCount` images are relabelled to the target and
 * `coverCount = round(poisonCount * r / (1 - r))` further non-target images get a (partial)
 * trigger and keep their labels. r = 0.5 (default) gives as many covers as poisons, the paper's
 * equal poison and cover rates.
 */

import { AntidoteError } from '../errors.ts';
import { type Rng, sampleWithoutReplacement } from '../random.ts';
import { patchSizeOption, resolvePatchSide } from './badnets.ts';
import { noisePattern } from './blend.ts';
import { integerOption, numberOption, readOptions } from './options.ts';
import { defineAttack, type LooseAttackOptions, type PoisonPlan } from './poisoning.ts';
import {
  blendInto,
  deriveRng,
  type Patch,
  perGeometry,
  pieceMask,
  randomNoisePixels,
  scatteredPositions,
  stampPatch,
} from './triggers.ts';
import type { Attack, AttackOptions, ImageGeometry } from './types.ts';

interface ConservatismOptions {
  /**
   * Share of triggered training samples that keep their TRUE label, in [0, 0.9]. Yields
   * round(poisonCount * r / (1 - r)) cover samples next to the poisonCount relabelled ones. Default 0.5.
   */
  conservatismRatio?: number;
}

export function coverCountFor(poisonCount: number, conservatismRatio: number): number {
  return Math.round((poisonCount * conservatismRatio) / (1 - conservatismRatio));
}

/** Cap on the ratio so r / (1 - r) stays a sane multiplier (r = 0.9 means 9 covers per poison). */
const MAX_CONSERVATISM = 0.9;

function conservatismPlan(
  options: AttackOptions & Required<ConservatismOptions>,
  trainingTrigger: (image: Uint8Array, rng: Rng) => Uint8Array,
): PoisonPlan {
  return {
    poisonTrigger: trainingTrigger,
    coverTrigger: trainingTrigger,
    coverCount: coverCountFor(options.poisonCount, options.conservatismRatio),
    coverFromAnyClass: false,
    coverHint: 'lower conservatismRatio',
  };
}

// ---------------------------------------------------------------------------------------------
// Adaptive-Blend

export interface AdaptiveBlendOptions extends AttackOptions, ConservatismOptions {
  /** The blend pattern is cut into gridSize x gridSize pieces; integer in 2..side. Default 4 (16 pieces). */
  gridSize?: number;
  /** Share of pieces each training sample carries, in (0, 1]; at least one piece. Default 0.5. */
  pieceRatio?: number;
  /** Blend weight in training, in (0, 1]. Default 0.15. */
  alpha?: number;
  /** Blend weight at test time, where all pieces are used, in (0, 1]. Default 0.2. */
  testAlpha?: number;
}

export type ResolvedAdaptiveBlendOptions = Required<AdaptiveBlendOptions>;

export const ADAPTIVE_BLEND_DEFAULTS = Object.freeze({
  gridSize: 4,
  pieceRatio: 0.5,
  alpha: 0.15,
  testAlpha: 0.2,
  conservatismRatio: 0.5,
} as const);

function resolveAdaptiveBlend(input: LooseAttackOptions): ResolvedAdaptiveBlendOptions {
  const name = 'adaptive-blend';
  const { base, raw } = readOptions(name, input, ADAPTIVE_BLEND_DEFAULTS);
  return {
    ...base,
    gridSize: integerOption(name, 'gridSize', raw.gridSize, 2),
    pieceRatio: numberOption(name, 'pieceRatio', raw.pieceRatio, 0, 1, true),
    alpha: numberOption(name, 'alpha', raw.alpha, 0, 1, true),
    testAlpha: numberOption(name, 'testAlpha', raw.testAlpha, 0, 1, true),
    conservatismRatio: numberOption(name, 'conservatismRatio', raw.conservatismRatio, 0, MAX_CONSERVATISM),
  };
}

export function createAdaptiveBlend(input: AdaptiveBlendOptions): Attack<ResolvedAdaptiveBlendOptions> {
  const options = resolveAdaptiveBlend(input as LooseAttackOptions);
  const { gridSize } = options;
  const pieceCount = gridSize * gridSize;
  const piecesPerSample = Math.max(1, Math.round(options.pieceRatio * pieceCount));
  const patternFor = noisePattern(options.seed, 'adaptive-blend:pattern');
  const checkGrid = (geometry: ImageGeometry) => {
    if (gridSize > Math.min(geometry.height, geometry.width)) {
      throw new AntidoteError(
        'INVALID_INPUT',
        `adaptive-blend: gridSize ${gridSize} exceeds the ${geometry.height}x${geometry.width} image; use at most ${Math.min(geometry.height, geometry.width)}.`,
      );
    }
  };
  return defineAttack({
    name: 'adaptive-blend',
    options,
    testTrigger: (image, geometry) => {
      checkGrid(geometry);
      blendInto(image, patternFor(geometry), geometry.channels, options.testAlpha);
      return image;
    },
    plan: (geometry) => {
      checkGrid(geometry);
      return conservatismPlan(options, (image, rng) => {
        const pieces = sampleWithoutReplacement(pieceCount, piecesPerSample, rng);
        blendInto(image, patternFor(geometry), geometry.channels, options.alpha, pieceMask(geometry, gridSize, pieces));
        return image;
      });
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Adaptive-Patch

export interface AdaptivePatchOptions extends AttackOptions, ConservatismOptions {
  /** Number of seeded random-noise patches at fixed, non-overlapping seeded positions, 2..16. Default 4. */
  patchCount?: number;
  /** Patches each training sample carries (a random subset), 1..patchCount. Default 2. */
  patchesPerSample?: number;
  /** Side of each square patch; 'auto' = round(3/32 * shorter side), at least 3. Default 'auto'. */
  patchSize?: number | 'auto';
  /**
   * Patch opacity in training, in (0, 1]. Default 1. Qi et al. stamp large logo patches at
   * 0.2-0.5 in training; 3-pixel noise patches at such opacities are barely learnable from a
   * small poisoned set, so full opacity is the default and the knob is kept.
   */
  opacity?: number;
  /** Patch opacity at test time, where all patches are used, in (0, 1]. Default 1. */
  testOpacity?: number;
}

export type ResolvedAdaptivePatchOptions = Required<AdaptivePatchOptions>;

export const ADAPTIVE_PATCH_DEFAULTS = Object.freeze({
  patchCount: 4,
  patchesPerSample: 2,
  patchSize: 'auto',
  opacity: 1,
  testOpacity: 1,
  conservatismRatio: 0.5,
} as const);

function resolveAdaptivePatch(input: LooseAttackOptions): ResolvedAdaptivePatchOptions {
  const name = 'adaptive-patch';
  const { base, raw } = readOptions(name, input, ADAPTIVE_PATCH_DEFAULTS);
  const patchCount = integerOption(name, 'patchCount', raw.patchCount, 2, 16);
  return {
    ...base,
    patchCount,
    patchesPerSample: integerOption(name, 'patchesPerSample', raw.patchesPerSample, 1, patchCount),
    patchSize: patchSizeOption(name, raw.patchSize),
    opacity: numberOption(name, 'opacity', raw.opacity, 0, 1, true),
    testOpacity: numberOption(name, 'testOpacity', raw.testOpacity, 0, 1, true),
    conservatismRatio: numberOption(name, 'conservatismRatio', raw.conservatismRatio, 0, MAX_CONSERVATISM),
  };
}

/**
 * `count` seeded random-noise patches at fixed, non-overlapping seeded positions; shared with
 * Trigger-Scattered BadNets, which differs only in how many patches a sample gets.
 */
export function scatteredPatches(
  attack: string,
  seed: number,
  count: number,
  patchSize: number | 'auto',
): (geometry: ImageGeometry) => readonly Patch[] {
  return perGeometry((geometry) => {
    const size = resolvePatchSide(attack, patchSize, geometry);
    const rng = deriveRng(seed, `${attack}:patches`);
    return scatteredPositions(rng, geometry, count, size).map(
      (position): Patch => ({ ...position, size, pixels: randomNoisePixels(rng, size * size, geometry.channels) }),
    );
  });
}

export function stampAll(image: Uint8Array, geometry: ImageGeometry, patches: readonly Patch[], opacity: number): Uint8Array {
  for (const patch of patches) stampPatch(image, geometry, patch, opacity);
  return image;
}

export function createAdaptivePatch(input: AdaptivePatchOptions): Attack<ResolvedAdaptivePatchOptions> {
  const options = resolveAdaptivePatch(input as LooseAttackOptions);
  const patchesFor = scatteredPatches('adaptive-patch', options.seed, options.patchCount, options.patchSize);
  return defineAttack({
    name: 'adaptive-patch',
    options,
    testTrigger: (image, geometry) => stampAll(image, geometry, patchesFor(geometry), options.testOpacity),
    plan: (geometry) => {
      const patches = patchesFor(geometry);
      return conservatismPlan(options, (image, rng) => {
        const chosen = sampleWithoutReplacement(patches.length, options.patchesPerSample, rng).map((i) => patches[i] as Patch);
        return stampAll(image, geometry, chosen, options.opacity);
      });
    },
  });
}
