/**
 * Image primitives the attacks are built from: seeded pattern generation, patch stamping, alpha
 * blending and bilinear warping, all on one HWC uint8 image at a time. Every function that
 * writes pixels rounds to the nearest byte and clamps, so a trigger is exactly reproducible
 * from its seed and never depends on float-to-uint8 truncation quirks.
 */
import { AntidoteError } from '../errors.ts';
import { createRng, type Rng } from '../random.ts';
import type { ImageGeometry } from './types.ts';

/** Below this the 3-pixel patches and the 4x4 trigger grids no longer fit meaningfully. */
export const MIN_IMAGE_SIDE = 8;

export function geometryKey(geometry: ImageGeometry): string {
  return `${geometry.height}x${geometry.width}x${geometry.channels}`;
}

export function checkGeometry(geometry: ImageGeometry): void {
  const { height, width, channels } = geometry;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < MIN_IMAGE_SIDE || width < MIN_IMAGE_SIDE) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `Attacks need images of at least ${MIN_IMAGE_SIDE}x${MIN_IMAGE_SIDE} pixels, got ${height}x${width}.`,
    );
  }
  if (channels !== 1 && channels !== 3) {
    throw new AntidoteError('SHAPE_MISMATCH', `Attacks support 1 or 3 channels, got ${channels}.`);
  }
}

export function checkImage(image: Uint8Array, geometry: ImageGeometry): void {
  checkGeometry(geometry);
  const expected = geometry.height * geometry.width * geometry.channels;
  if (image.length !== expected) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `Image holds ${image.length} values but ${geometry.height}x${geometry.width}x${geometry.channels} needs ${expected}.`,
    );
  }
}

/**
 * An independent random stream per (seed, purpose). Separate streams keep the trigger pattern
 * identical between `poison` and `applyTrigger` whatever the dataset or call order, and keep
 * the sample selection from shifting when a pattern's size changes.
 */
export function deriveRng(seed: number, stream: string): Rng {
  let hash = 0x811c9dc5;
  for (let i = 0; i < stream.length; i++) {
    hash ^= stream.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // Fold the high bits in too, so seeds that differ only above bit 32 still give different streams.
  const high = Math.floor(seed / 4294967296) >>> 0;
  let x = ((seed >>> 0) ^ Math.imul(high, 0x9e3779b1) ^ hash) >>> 0;
  // murmur3 finaliser: nearby seeds (0, 1, 2...) must not give correlated mulberry32 states.
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return createRng(x >>> 0);
}

/** Memoises a per-geometry trigger so it is generated once and is the same object on every call. */
export function perGeometry<T>(build: (geometry: ImageGeometry) => T): (geometry: ImageGeometry) => T {
  const cache = new Map<string, T>();
  return (geometry) => {
    const key = geometryKey(geometry);
    let value = cache.get(key);
    if (value === undefined) {
      value = build(geometry);
      cache.set(key, value);
    }
    return value;
  };
}

export function toByte(value: number): number {
  if (value <= 0) return 0;
  if (value >= 255) return 255;
  return Math.round(value);
}

/** BadNets' 3/32 of the (shorter) side, and never below 3 px so the pattern stays a pattern. */
export function defaultPatchSide(geometry: ImageGeometry): number {
  return Math.max(3, Math.round((3 / 32) * Math.min(geometry.height, geometry.width)));
}

/** A square patch of `size` x `size` pixels, HWC, placed with its top-left corner at (top, left). */
export interface Patch {
  readonly top: number;
  readonly left: number;
  readonly size: number;
  readonly pixels: Uint8Array;
}

/** Uniform random bytes per pixel and channel: the "random-noise patch" of the scattered attacks. */
export function randomNoisePixels(rng: Rng, count: number, channels: number): Uint8Array {
  const pixels = new Uint8Array(count * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.int(256);
  return pixels;
}

/** Black (0) or white (255) per pixel, identical across channels, as in the BadNets paper. */
export function blackWhitePixels(size: number, channels: number, isWhite: (row: number, col: number) => boolean): Uint8Array {
  const pixels = new Uint8Array(size * size * channels);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      pixels.fill(isWhite(r, c) ? 255 : 0, (r * size + c) * channels, (r * size + c + 1) * channels);
    }
  }
  return pixels;
}

export type Corner = 'bottom-right' | 'bottom-left' | 'top-right' | 'top-left';
export const CORNERS: readonly Corner[] = ['bottom-right', 'bottom-left', 'top-right', 'top-left'];

export function cornerPosition(geometry: ImageGeometry, size: number, corner: Corner): { top: number; left: number } {
  return {
    top: corner.startsWith('bottom') ? geometry.height - size : 0,
    left: corner.endsWith('right') ? geometry.width - size : 0,
  };
}

/**
 * `count` non-overlapping square positions: the image is cut into a near-square grid of at
 * least `count` cells, `count` cells are drawn at random and each patch is jittered inside its
 * cell. Cells make non-overlap a guarantee instead of a retry loop that can fail on small images.
 */
export function scatteredPositions(
  rng: Rng,
  geometry: ImageGeometry,
  count: number,
  size: number,
): { top: number; left: number }[] {
  const cols = Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / cols);
  const rowEdge = (i: number) => Math.floor((i * geometry.height) / rows);
  const colEdge = (j: number) => Math.floor((j * geometry.width) / cols);
  if (rowEdge(1) - rowEdge(0) < size || colEdge(1) - colEdge(0) < size) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `Cannot place ${count} non-overlapping ${size}x${size} patches on a ${geometry.height}x${geometry.width} image; use fewer or smaller patches.`,
    );
  }
  const cells = Array.from({ length: rows * cols }, (_, i) => i);
  const positions: { top: number; left: number }[] = [];
  for (let n = 0; n < count; n++) {
    const pick = n + rng.int(cells.length - n);
    const cell = cells[pick] as number;
    cells[pick] = cells[n] as number;
    cells[n] = cell;
    const i = Math.floor(cell / cols);
    const j = cell % cols;
    const top = rowEdge(i) + rng.int(rowEdge(i + 1) - rowEdge(i) - size + 1);
    const left = colEdge(j) + rng.int(colEdge(j + 1) - colEdge(j) - size + 1);
    positions.push({ top, left });
  }
  return positions;
}

/** Alpha-composites `patch` onto `target` in place: out = (1 - opacity) * x + opacity * patch. */
export function stampPatch(target: Uint8Array, geometry: ImageGeometry, patch: Patch, opacity: number): void {
  const { width, channels } = geometry;
  const rowLength = patch.size * channels;
  for (let r = 0; r < patch.size; r++) {
    const targetOffset = ((patch.top + r) * width + patch.left) * channels;
    const patchOffset = r * rowLength;
    for (let k = 0; k < rowLength; k++) {
      const x = target[targetOffset + k] as number;
      const p = patch.pixels[patchOffset + k] as number;
      target[targetOffset + k] = opacity === 1 ? p : toByte(x + opacity * (p - x));
    }
  }
}

/**
 * Alpha-blends a full-image `pattern` into `target` in place. `mask` (one byte per pixel,
 * non-zero = blend) restricts the blend to some pixels, which is how Adaptive-Blend drops pieces.
 */
export function blendInto(target: Uint8Array, pattern: Uint8Array, channels: number, alpha: number, mask?: Uint8Array): void {
  for (let i = 0; i < target.length; i++) {
    if (mask !== undefined && mask[Math.floor(i / channels)] === 0) continue;
    const x = target[i] as number;
    target[i] = toByte(x + alpha * ((pattern[i] as number) - x));
  }
}

/**
 * One-byte-per-pixel mask of the chosen pieces of a `grid` x `grid` split of the image. Piece
 * edges are floor(i * side / grid), so pieces tile the image even when the side is not a
 * multiple of the grid (the reference code leaves the remainder always on).
 */
export function pieceMask(geometry: ImageGeometry, grid: number, pieces: readonly number[]): Uint8Array {
  const { height, width } = geometry;
  const mask = new Uint8Array(height * width);
  for (const piece of pieces) {
    const i = Math.floor(piece / grid);
    const j = piece % grid;
    const top = Math.floor((i * height) / grid);
    const bottom = Math.floor(((i + 1) * height) / grid);
    const left = Math.floor((j * width) / grid);
    const right = Math.floor(((j + 1) * width) / grid);
    for (let r = top; r < bottom; r++) mask.fill(1, r * width + left, r * width + right);
  }
  return mask;
}

/** Keys' cubic convolution weight with a = -0.75, the kernel PyTorch's bicubic upsampling uses. */
function cubicWeight(distance: number): number {
  const a = -0.75;
  const x = Math.abs(distance);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

/**
 * Bicubic upsampling of one `rows` x `cols` plane to `outRows` x `outCols` with aligned
 * corners and clamped borders, matching F.interpolate(mode='bicubic', align_corners=True)
 * that WaNet uses to smooth its control grid into a warping field.
 */
export function upsampleBicubic(
  values: Float64Array,
  rows: number,
  cols: number,
  outRows: number,
  outCols: number,
): Float64Array {
  const axis = (inSize: number, outSize: number) => {
    const scale = outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
    return Array.from({ length: outSize }, (_, o) => {
      const position = o * scale;
      const base = Math.floor(position);
      const t = position - base;
      return [-1, 0, 1, 2].map((d) => ({
        index: Math.min(inSize - 1, Math.max(0, base + d)),
        weight: cubicWeight(t - d),
      }));
    });
  };
  const rowTaps = axis(rows, outRows);
  const colTaps = axis(cols, outCols);
  const out = new Float64Array(outRows * outCols);
  for (let r = 0; r < outRows; r++) {
    for (let c = 0; c < outCols; c++) {
      let sum = 0;
      for (const rt of rowTaps[r] ?? []) {
        for (const ct of colTaps[c] ?? []) sum += rt.weight * ct.weight * (values[rt.index * cols + ct.index] as number);
      }
      out[r * outCols + c] = sum;
    }
  }
  return out;
}

/**
 * Resamples `source` at per-pixel coordinates (sampleX, sampleY, in pixels) with bilinear
 * interpolation. Coordinates are clipped to the image, as WaNet clamps its grid to [-1, 1],
 * so no padding value ever leaks into the result.
 */
export function warpBilinear(
  source: Uint8Array,
  geometry: ImageGeometry,
  sampleX: Float64Array,
  sampleY: Float64Array,
): Uint8Array {
  const { height, width, channels } = geometry;
  const out = new Uint8Array(source.length);
  for (let p = 0; p < height * width; p++) {
    const x = Math.min(width - 1, Math.max(0, sampleX[p] as number));
    const y = Math.min(height - 1, Math.max(0, sampleY[p] as number));
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const x1 = Math.min(width - 1, x0 + 1);
    const y1 = Math.min(height - 1, y0 + 1);
    const fx = x - x0;
    const fy = y - y0;
    for (let k = 0; k < channels; k++) {
      const at = (row: number, col: number) => source[(row * width + col) * channels + k] as number;
      const top = at(y0, x0) + fx * (at(y0, x1) - at(y0, x0));
      const bottom = at(y1, x0) + fx * (at(y1, x1) - at(y1, x0));
      out[p * channels + k] = toByte(top + fy * (bottom - top));
    }
  }
  return out;
}
