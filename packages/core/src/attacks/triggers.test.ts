import { describe, expect, it } from 'vitest';
import { AntidoteError } from '../errors.ts';
import {
  blendInto,
  checkImage,
  cornerPosition,
  defaultPatchSide,
  deriveRng,
  pieceMask,
  scatteredPositions,
  stampPatch,
  toByte,
  upsampleBicubic,
  warpBilinear,
} from './triggers.ts';

const gray = (height: number, width: number) => ({ height, width, channels: 1 });

describe('defaultPatchSide', () => {
  it('is 3/32 of the shorter side, at least 3', () => {
    expect(defaultPatchSide(gray(8, 8))).toBe(3);
    expect(defaultPatchSide(gray(28, 28))).toBe(3);
    expect(defaultPatchSide(gray(32, 32))).toBe(3);
    expect(defaultPatchSide(gray(64, 64))).toBe(6);
    expect(defaultPatchSide(gray(224, 100))).toBe(9);
  });
});

describe('toByte', () => {
  it('rounds and clamps', () => {
    expect([toByte(-3), toByte(0.49), toByte(0.5), toByte(254.6), toByte(300)]).toEqual([0, 0, 1, 255, 255]);
  });
});

describe('cornerPosition', () => {
  it('puts the patch flush with the chosen corner', () => {
    const g = gray(10, 12);
    expect(cornerPosition(g, 3, 'bottom-right')).toEqual({ top: 7, left: 9 });
    expect(cornerPosition(g, 3, 'top-left')).toEqual({ top: 0, left: 0 });
    expect(cornerPosition(g, 3, 'top-right')).toEqual({ top: 0, left: 9 });
    expect(cornerPosition(g, 3, 'bottom-left')).toEqual({ top: 7, left: 0 });
  });
});

describe('stampPatch', () => {
  it('replaces exactly the patch pixels at opacity 1 (RGB)', () => {
    const g = { height: 8, width: 8, channels: 3 };
    const image = new Uint8Array(8 * 8 * 3).fill(100);
    const pixels = Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => i * 10);
    stampPatch(image, g, { top: 5, left: 6, size: 2, pixels }, 1);
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        for (let k = 0; k < 3; k++) {
          const inside = r >= 5 && r < 7 && c >= 6;
          const expected = inside ? ((r - 5) * 2 + (c - 6)) * 3 * 10 + k * 10 : 100;
          expect(image[(r * 8 + c) * 3 + k]).toBe(expected);
        }
      }
    }
  });

  it('alpha-composites at partial opacity', () => {
    const image = new Uint8Array(64).fill(100);
    stampPatch(image, gray(8, 8), { top: 0, left: 0, size: 1, pixels: Uint8Array.of(200) }, 0.25);
    expect(image[0]).toBe(125);
    expect(image[1]).toBe(100);
  });
});

describe('blendInto', () => {
  it('blends every value without a mask and only masked pixels with one', () => {
    const pattern = new Uint8Array(2 * 3).fill(255);
    const all = new Uint8Array(6).fill(0);
    blendInto(all, pattern, 3, 0.1);
    expect([...all]).toEqual([26, 26, 26, 26, 26, 26]);
    const masked = new Uint8Array(6).fill(0);
    blendInto(masked, pattern, 3, 0.1, Uint8Array.of(0, 1));
    expect([...masked]).toEqual([0, 0, 0, 26, 26, 26]);
  });
});

describe('pieceMask', () => {
  it('tiles the image even when the side is not a multiple of the grid', () => {
    const g = gray(10, 9);
    const all = pieceMask(
      g,
      4,
      Array.from({ length: 16 }, (_, i) => i),
    );
    expect(all.every((v) => v === 1)).toBe(true);
    const one = pieceMask(g, 4, [5]); // row 1, column 1: rows 2..4, columns 2..3
    const on: number[] = [];
    one.forEach((v, p) => {
      if (v) on.push(p);
    });
    expect(on).toEqual([2 * 9 + 2, 2 * 9 + 3, 3 * 9 + 2, 3 * 9 + 3, 4 * 9 + 2, 4 * 9 + 3]);
  });
});

describe('scatteredPositions', () => {
  it('places non-overlapping patches inside the image, even on 8x8', () => {
    for (const [h, w, count] of [
      [8, 8, 4],
      [28, 28, 4],
      [32, 20, 9],
      [9, 31, 2],
    ] as const) {
      for (let seed = 0; seed < 20; seed++) {
        const size = 3;
        const positions = scatteredPositions(deriveRng(seed, 'test'), gray(h, w), count, size);
        expect(positions).toHaveLength(count);
        const covered = new Uint8Array(h * w);
        for (const { top, left } of positions) {
          expect(top).toBeGreaterThanOrEqual(0);
          expect(left).toBeGreaterThanOrEqual(0);
          expect(top + size).toBeLessThanOrEqual(h);
          expect(left + size).toBeLessThanOrEqual(w);
          for (let r = top; r < top + size; r++) for (let c = left; c < left + size; c++) covered[r * w + c]! += 1;
        }
        expect(Math.max(...covered)).toBe(1);
      }
    }
  });

  it('refuses layouts that cannot fit, with INVALID_INPUT', () => {
    expect(() => scatteredPositions(deriveRng(0, 'test'), gray(8, 8), 9, 3)).toThrow(AntidoteError);
  });
});

describe('deriveRng', () => {
  it('gives different streams per seed, per purpose and for seeds beyond 32 bits', () => {
    const first = (seed: number, stream: string) => deriveRng(seed, stream).next();
    expect(first(1, 'a')).toBe(first(1, 'a'));
    expect(first(1, 'a')).not.toBe(first(2, 'a'));
    expect(first(1, 'a')).not.toBe(first(1, 'b'));
    expect(first(1, 'a')).not.toBe(first(1 + 2 ** 32, 'a'));
    expect(first(-1, 'a')).not.toBe(first(2 ** 32 - 1, 'a'));
  });
});

describe('upsampleBicubic', () => {
  it('passes through the control points (aligned corners) and keeps constants', () => {
    const grid = Float64Array.of(1, -2, 3, 0.5);
    const out = upsampleBicubic(grid, 2, 2, 7, 7);
    expect(out[0]).toBeCloseTo(1, 12);
    expect(out[6]).toBeCloseTo(-2, 12);
    expect(out[42]).toBeCloseTo(3, 12);
    expect(out[48]).toBeCloseTo(0.5, 12);
    const flat = upsampleBicubic(new Float64Array(16).fill(0.7), 4, 4, 28, 28);
    for (const v of flat) expect(v).toBeCloseTo(0.7, 12);
  });

  it('interpolates a linear ramp linearly in the interior', () => {
    const ramp = Float64Array.from({ length: 16 }, (_, i) => i % 4);
    const out = upsampleBicubic(ramp, 4, 4, 1, 7);
    // Interior samples (with 4 real taps) reproduce the ramp exactly: cubic convolution is exact for lines.
    expect(out[2]).toBeCloseTo(1, 12);
    expect(out[3]).toBeCloseTo(1.5, 12);
    expect(out[4]).toBeCloseTo(2, 12);
  });
});

describe('warpBilinear', () => {
  const g = { height: 8, width: 8, channels: 3 };
  const image = Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 37) % 256);
  const grid = (dx: number, dy: number) => ({
    x: Float64Array.from({ length: 64 }, (_, p) => (p % 8) + dx),
    y: Float64Array.from({ length: 64 }, (_, p) => Math.floor(p / 8) + dy),
  });

  it('is the identity on the identity grid', () => {
    const { x, y } = grid(0, 0);
    expect(warpBilinear(image, g, x, y)).toEqual(image);
  });

  it('shifts by whole pixels and clamps at the border', () => {
    const { x, y } = grid(1, 0);
    const out = warpBilinear(image, g, x, y);
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        for (let k = 0; k < 3; k++) expect(out[(r * 8 + c) * 3 + k]).toBe(image[(r * 8 + Math.min(7, c + 1)) * 3 + k]);
      }
    }
  });

  it('interpolates half-pixel shifts', () => {
    const ramp = Uint8Array.from({ length: 64 }, (_, p) => (p % 8) * 10);
    const { x, y } = grid(0.5, 0);
    const out = warpBilinear(ramp, gray(8, 8), x, y);
    expect([...out.subarray(0, 8)]).toEqual([5, 15, 25, 35, 45, 55, 65, 70]);
  });
});

describe('checkImage', () => {
  it('rejects small images, odd channel counts and wrong lengths with SHAPE_MISMATCH', () => {
    const codeOf = (f: () => void) => {
      try {
        f();
      } catch (error) {
        return error instanceof AntidoteError ? error.code : 'other';
      }
      return 'none';
    };
    expect(codeOf(() => checkImage(new Uint8Array(49), gray(7, 7)))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => checkImage(new Uint8Array(128), { height: 8, width: 8, channels: 2 }))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => checkImage(new Uint8Array(63), gray(8, 8)))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => checkImage(new Uint8Array(64), gray(8, 8)))).toBe('none');
  });
});
