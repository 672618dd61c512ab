/**
 * WaNet (Nguyen & Tran, ICLR 2021): the trigger is a smooth, nearly invisible warp of the image.
 *
 * Field, as in the reference code: a k x k x 2 grid of uniform offsets in [-1, 1] is divided by
 * its mean absolute value, upsampled bicubically (aligned corners) to H x W, and added to the
 * identity sampling grid in [-1, 1] coordinates as `s * field / side`; the grid is clamped to
 * [-1, 1] and the image resampled bilinearly. In pixels that is a displacement of
 * s * field * (side - 1) / (2 * side): about s/2 px per unit of field, whatever the image size.
 *
 * Strength: the defaults (k = 4, s = 0.5) are the ones Nguyen & Tran used for their 28x28 and
 * 32x32 datasets (MNIST, CIFAR-10, GTSRB), and they are kept for those sizes. Measured here: a
 * mean shift of ~0.19 px and at most ~0.5 px per axis, at 28, 32 and 64 px alike. Most bytes of a
 * textured image change, by little; that is the point of WaNet (imperceptible), but it also makes
 * it the subtlest trigger of this library: raise `s` (e.g. 1) if a benchmark needs a backdoor
 * reliably learnable from a small poisoned set.
 *
 * Noise mode: `round(poisonCount * crossRatio)` extra images (any class, not poisoned) are warped
 * with the trigger field plus a fresh per-pixel uniform offset in [-1, 1] / side (grid units),
 * keeping their TRUE labels, so the model must learn the exact warp rather than "any warp".
 * crossRatio 2 is the reference default (`num_cross = num_bd * cross_ratio`).
 *
 * The paper this product follows evaluates WaNet as a clean-label attack with k = 8; here it is
 * dirty-label like the original WaNet, and k is a knob.
 */
import { AntidoteError } from '../errors.ts';
import { booleanOption, integerOption, numberOption, readOptions } from './options.ts';
import { defineAttack, type LooseAttackOptions } from './poisoning.ts';
import { deriveRng, perGeometry, upsampleBicubic, warpBilinear } from './triggers.ts';
import type { Attack, AttackOptions, ImageGeometry } from './types.ts';

export interface WaNetOptions extends AttackOptions {
  /** Side of the random control grid, an integer >= 2 and at most the image side. Default 4. */
  k?: number;
  /** Warping strength in WaNet's units (see the module comment), in (0, 16]. Default 0.5. */
  s?: number;
  /** Add the true-label noise-warped samples of WaNet's noise mode. Default true. */
  noiseMode?: boolean;
  /** Noise-mode samples per poisoned sample, >= 0. Default 2 (as in the reference code). */
  crossRatio?: number;
}

export type ResolvedWaNetOptions = Required<WaNetOptions>;

export const WANET_DEFAULTS = Object.freeze({ k: 4, s: 0.5, noiseMode: true, crossRatio: 2 } as const);

function resolve(input: LooseAttackOptions): ResolvedWaNetOptions {
  const name = 'wanet';
  const { base, raw } = readOptions(name, input, WANET_DEFAULTS);
  return {
    ...base,
    k: integerOption(name, 'k', raw.k, 2),
    s: numberOption(name, 's', raw.s, 0, 16, true),
    noiseMode: booleanOption(name, 'noiseMode', raw.noiseMode),
    crossRatio: numberOption(name, 'crossRatio', raw.crossRatio, 0, 100),
  };
}

/** Absolute sampling coordinates, in pixels, of the trigger warp, already clamped to the image. */
export interface SamplingGrid {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

export function clamp(value: number, max: number): number {
  return Math.min(max, Math.max(0, value));
}

/**
 * The trigger's sampling grid for one geometry, from the seed, k and s (shared with clean-label
 * WaNet, so both draw the same field from the same seed and knobs).
 */
export function wanetSamplingGrid(
  attack: string,
  options: { readonly seed: number; readonly k: number; readonly s: number },
): (geometry: ImageGeometry) => SamplingGrid {
  return perGeometry((geometry): SamplingGrid => {
    const { height, width } = geometry;
    const { k, s, seed } = options;
    if (k > Math.min(height, width)) {
      throw new AntidoteError(
        'INVALID_INPUT',
        `${attack}: k = ${k} exceeds the ${height}x${width} image; use k <= ${Math.min(height, width)}.`,
      );
    }
    const rng = deriveRng(seed, 'wanet:grid');
    const control = Float64Array.from({ length: 2 * k * k }, () => rng.next() * 2 - 1);
    const meanAbs = control.reduce((sum, v) => sum + Math.abs(v), 0) / control.length;
    const normalised = control.map((v) => v / meanAbs);
    const fieldX = upsampleBicubic(normalised.subarray(0, k * k), k, k, height, width);
    const fieldY = upsampleBicubic(normalised.subarray(k * k), k, k, height, width);
    // One grid unit of [-1, 1] is (side - 1) / 2 pixels under aligned corners.
    const unitX = (s * (width - 1)) / (2 * width);
    const unitY = (s * (height - 1)) / (2 * height);
    const x = new Float64Array(height * width);
    const y = new Float64Array(height * width);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const p = r * width + c;
        x[p] = clamp(c + unitX * (fieldX[p] as number), width - 1);
        y[p] = clamp(r + unitY * (fieldY[p] as number), height - 1);
      }
    }
    return { x, y };
  });
}

export function createWaNet(input: WaNetOptions): Attack<ResolvedWaNetOptions> {
  const options = resolve(input as LooseAttackOptions);
  const gridFor = wanetSamplingGrid('wanet', options);

  const warp = (image: Uint8Array, geometry: ImageGeometry) => {
    const grid = gridFor(geometry);
    return warpBilinear(image, geometry, grid.x, grid.y);
  };

  return defineAttack({
    name: 'wanet',
    options,
    testTrigger: warp,
    plan: (geometry) => {
      const { height, width } = geometry;
      return {
        poisonTrigger: (image) => warp(image, geometry),
        coverCount: options.noiseMode ? Math.round(options.poisonCount * options.crossRatio) : 0,
        coverFromAnyClass: true,
        coverHint: 'lower crossRatio or set noiseMode to false',
        coverTrigger: (image, rng) => {
          const grid = gridFor(geometry);
          // A uniform [-1, 1] / side offset in grid units, converted to pixels like the field.
          const noiseX = (width - 1) / (2 * width);
          const noiseY = (height - 1) / (2 * height);
          const x = grid.x.map((v) => clamp(v + noiseX * (rng.next() * 2 - 1), width - 1));
          const y = grid.y.map((v) => clamp(v + noiseY * (rng.next() * 2 - 1), height - 1));
          return warpBilinear(image, geometry, x, y);
        },
      };
    },
  });
}
