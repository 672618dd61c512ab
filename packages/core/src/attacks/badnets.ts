/**
 * BadNets (Gu et al. 2017): a small fixed patch pasted in a corner. The paper's reference code
 * uses a patch of 3/32 of the image side; the same trigger is used in training and at test.
 */
import { AntidoteError } from '../errors.ts';
import { choiceOption, integerOption, numberOption, readOptions } from './options.ts';
import { defineAttack, type LooseAttackOptions } from './poisoning.ts';
import {
  blackWhitePixels,
  CORNERS,
  type Corner,
  cornerPosition,
  defaultPatchSide,
  deriveRng,
  type Patch,
  perGeometry,
  stampPatch,
} from './triggers.ts';
import type { Attack, AttackOptions, ImageGeometry } from './types.ts';

export type BadNetsPattern = 'random' | 'checkerboard';
export const BADNETS_PATTERNS: readonly BadNetsPattern[] = ['random', 'checkerboard'];

export interface BadNetsOptions extends AttackOptions {
  /** Side of the square patch in pixels; 'auto' = round(3/32 * shorter side), at least 3. Default 'auto'. */
  patchSize?: number | 'auto';
  /** Corner the patch sits in, flush with the image border. Default 'bottom-right'. */
  corner?: Corner;
  /**
   * 'random': seeded black/white pixels (a 3x3 patch has only 512 variants, so two seeds can share
   * a pattern, though not the poisoned images); 'checkerboard': alternating, white top-left.
   * Default 'checkerboard': on dark image corners (Fashion-MNIST, MNIST) a random pattern's black
   * pixels are invisible, and seeds differ in strength; the fixed pattern implants reliably.
   */
  pattern?: BadNetsPattern;
  /** Patch opacity in (0, 1], used in training and at test; 1 replaces the pixels. Default 1. */
  opacity?: number;
  /**
   * Row and column of the patch's top-left pixel, anywhere in the image (both or neither); they
   * replace `corner`, so a trigger can sit where a detector does not expect one.
   */
  top?: number;
  left?: number;
}

export type ResolvedBadNetsOptions = Required<Omit<BadNetsOptions, 'top' | 'left'>> & { top?: number; left?: number };

export const BADNETS_DEFAULTS = Object.freeze({
  patchSize: 'auto',
  corner: 'bottom-right',
  pattern: 'checkerboard',
  opacity: 1,
} as const satisfies Omit<ResolvedBadNetsOptions, keyof AttackOptions | 'top' | 'left'>);

/** A patch side resolved against an image: 'auto' becomes 3/32 of the side, a number must fit. */
export function resolvePatchSide(attack: string, patchSize: number | 'auto', geometry: ImageGeometry): number {
  if (patchSize === 'auto') return defaultPatchSide(geometry);
  if (patchSize > Math.min(geometry.height, geometry.width)) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `${attack}: patchSize ${patchSize} does not fit a ${geometry.height}x${geometry.width} image; use at most ${Math.min(geometry.height, geometry.width)} or 'auto'.`,
    );
  }
  return patchSize;
}

export function patchSizeOption(attack: string, value: unknown): number | 'auto' {
  return value === 'auto' ? 'auto' : integerOption(attack, "patchSize (or 'auto')", value, 1);
}

function resolve(input: LooseAttackOptions): ResolvedBadNetsOptions {
  const name = 'badnets';
  const { base, raw } = readOptions(name, input, BADNETS_DEFAULTS, ['top', 'left']);
  if ((raw.top === undefined) !== (raw.left === undefined)) {
    throw new AntidoteError('INVALID_INPUT', `${name}: give both top and left, or neither (the corner decides).`);
  }
  return {
    ...base,
    patchSize: patchSizeOption(name, raw.patchSize),
    corner: choiceOption(name, 'corner', raw.corner, CORNERS),
    pattern: choiceOption(name, 'pattern', raw.pattern, BADNETS_PATTERNS),
    opacity: numberOption(name, 'opacity', raw.opacity, 0, 1, true),
    ...(raw.top === undefined
      ? {}
      : { top: integerOption(name, 'top', raw.top, 0), left: integerOption(name, 'left', raw.left, 0) }),
  };
}

export function createBadNets(input: BadNetsOptions): Attack<ResolvedBadNetsOptions> {
  const options = resolve(input as LooseAttackOptions);
  const patchFor = perGeometry((geometry): Patch => {
    const size = resolvePatchSide('badnets', options.patchSize, geometry);
    // Drawn from its own stream: the pattern depends on seed and size only, never on the dataset.
    const rng = deriveRng(options.seed, 'badnets:pattern');
    const bits = Array.from({ length: size * size }, () => rng.next() < 0.5);
    const isWhite =
      options.pattern === 'checkerboard'
        ? (r: number, c: number) => (r + c) % 2 === 0
        : (r: number, c: number) => bits[r * size + c] === true;
    const { top, left } = options;
    if (top !== undefined && left !== undefined && (top + size > geometry.height || left + size > geometry.width)) {
      throw new AntidoteError(
        'INVALID_INPUT',
        `badnets: a ${size}x${size} patch at top ${top}, left ${left} does not fit a ${geometry.height}x${geometry.width} image.`,
      );
    }
    return {
      ...(top !== undefined && left !== undefined ? { top, left } : cornerPosition(geometry, size, options.corner)),
      size,
      pixels: blackWhitePixels(size, geometry.channels, isWhite),
    };
  });
  const trigger = (image: Uint8Array, geometry: ImageGeometry) => {
    stampPatch(image, geometry, patchFor(geometry), options.opacity);
    return image;
  };
  return defineAttack({
    name: 'badnets',
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
