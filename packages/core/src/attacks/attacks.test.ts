import { describe, expect, it } from 'vitest';
import { type ImageDataset, imageSize } from '../datasets/image-dataset.ts';
import { AntidoteError, type ErrorCode } from '../errors.ts';
import { createRng } from '../random.ts';
import { scatteredPatches } from './adaptive.ts';
import { createBadNets } from './badnets.ts';
import { createBlend } from './blend.ts';
import { ATTACK_DEFAULTS, createAttack, isAttackName, triggeredTestSet } from './create-attack.ts';
import type { LooseAttackOptions } from './poisoning.ts';
import { fixtureDataset } from './test-fixtures.ts';
import { ATTACK_NAMES, type AttackName, CLEAN_LABEL_ATTACKS, type ImageGeometry } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Fixtures

const GRAY = fixtureDataset(100, { height: 28, width: 28, channels: 1 }, 10, 1);
const RGB = fixtureDataset(100, { height: 32, width: 32, channels: 3 }, 10, 2);
const DATASETS = [
  { label: '28x28x1', data: GRAY },
  { label: '32x32x3', data: RGB },
];

function geometryOf(dataset: ImageDataset): ImageGeometry {
  return { height: dataset.height, width: dataset.width, channels: dataset.channels };
}

function imageAt(dataset: ImageDataset, index: number): Uint8Array {
  const size = imageSize(dataset);
  return dataset.images.subarray(index * size, (index + 1) * size);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Pixel indices (not byte indices) where any channel differs. */
function changedPixels(a: Uint8Array, b: Uint8Array, channels: number): number[] {
  const pixels = new Set<number>();
  a.forEach((v, i) => {
    if (v !== b[i]) pixels.add(Math.floor(i / channels));
  });
  return [...pixels].sort((x, y) => x - y);
}

function squarePixels(top: number, left: number, size: number, width: number): number[] {
  const out: number[] = [];
  for (let r = top; r < top + size; r++) for (let c = left; c < left + size; c++) out.push(r * width + c);
  return out;
}

function errorCode(f: () => unknown): ErrorCode | 'none' | 'not an AntidoteError' {
  try {
    f();
  } catch (error) {
    return error instanceof AntidoteError ? error.code : 'not an AntidoteError';
  }
  return 'none';
}

function errorOf(f: () => unknown): AntidoteError {
  try {
    f();
  } catch (error) {
    if (error instanceof AntidoteError) return error;
    throw error;
  }
  throw new Error('expected an AntidoteError, nothing was thrown');
}

/** Options as an untyped caller (CLI, gateway) would send them, wrong types included. */
const loose = (options: Record<string, unknown>) => options as LooseAttackOptions;

const POISON = 10;
const TARGET = 3;

/** Cover samples each attack adds by default for POISON poisons. */
const DEFAULT_COVERS: Record<AttackName, number> = {
  badnets: 0,
  blend: 0,
  wanet: 2 * POISON,
  'adaptive-blend': POISON,
  'adaptive-patch': POISON,
  'trigger-scattered-badnets': 0,
  sig: 0,
  'label-consistent': 0,
  'clean-label-wanet': 0,
  refool: 0,
  'low-frequency': 0,
  bpp: 0,
};

/** Triggers that depend on the knobs alone, so two seeds differ only in which images they poison. */
const SEED_FREE_TRIGGERS: readonly AttackName[] = ['sig', 'label-consistent', 'bpp'];

/**
 * Refool draws its reflections from a dataset; `fitOn` supplies one so applyTrigger works
 * without a poison() call first (other attacks ignore it).
 */
const isCleanLabel = (name: AttackName) => (CLEAN_LABEL_ATTACKS as readonly string[]).includes(name);
/** Clean-label attacks poison half of the fixtures' 10 target-class images, so seeds can pick different ones. */
const poisonCountOf = (name: AttackName) => (isCleanLabel(name) ? POISON / 2 : POISON);

const make = (name: AttackName, seed = 7, extra: Record<string, unknown> = {}, fitOn?: ImageDataset) => {
  const attack = createAttack(name, { poisonCount: poisonCountOf(name), targetClass: TARGET, seed, ...extra });
  if (fitOn) attack.fitTrigger?.(fitOn);
  return attack;
};

// ---------------------------------------------------------------------------------------------
// Contract shared by every attack

describe.each(ATTACK_NAMES.map((name) => ({ name })))('$name', ({ name }) => {
  describe.each(DATASETS)('on $label', ({ data }) => {
    const attack = make(name);
    const before = { images: data.images.slice(), labels: data.labels.slice() };
    const { dataset, poisonedIndices, coverIndices } = attack.poison(data);
    const touched = new Set([...poisonedIndices, ...coverIndices]);

    it('poisons exactly poisonCount images, labelled as the target, and keeps the size', () => {
      expect(dataset.labels.length).toBe(data.labels.length);
      expect(dataset.images.length).toBe(data.images.length);
      expect(geometryOf(dataset)).toEqual(geometryOf(data));
      expect(dataset.classNames).toEqual(data.classNames);
      expect(poisonedIndices).toHaveLength(poisonCountOf(name));
      expect(new Set(poisonedIndices).size).toBe(poisonCountOf(name));
      expect(poisonedIndices).toEqual([...poisonedIndices].sort((a, b) => a - b));
      const cleanLabel = isCleanLabel(name);
      expect(attack.cleanLabel).toBe(cleanLabel);
      for (const i of poisonedIndices) {
        // Dirty-label attacks relabel images of other classes; clean-label ones pick the target's own.
        expect(data.labels[i] === TARGET).toBe(cleanLabel);
        expect(dataset.labels[i]).toBe(TARGET);
      }
      const relabelled = dataset.labels.filter((label, i) => label !== data.labels[i]).length;
      expect(relabelled).toBe(cleanLabel ? 0 : POISON);
    });

    it('adds the documented number of cover samples, which keep their true labels', () => {
      expect(coverIndices).toHaveLength(DEFAULT_COVERS[name]);
      expect(new Set(coverIndices).size).toBe(coverIndices.length);
      for (const i of coverIndices) {
        expect(poisonedIndices).not.toContain(i);
        expect(dataset.labels[i]).toBe(data.labels[i]);
      }
    });

    it('leaves every other image byte-identical and triggers the chosen ones', () => {
      for (let i = 0; i < data.labels.length; i++) {
        const same = bytesEqual(imageAt(dataset, i), imageAt(data, i));
        expect(same, `image ${i}`).toBe(!touched.has(i));
      }
    });

    it('never modifies its input', () => {
      triggeredTestSet(attack, data);
      attack.applyTrigger(imageAt(data, 0), geometryOf(data));
      expect(bytesEqual(data.images, before.images)).toBe(true);
      expect(data.labels).toEqual(before.labels);
    });

    it('is deterministic per seed and differs across seeds', () => {
      const again = make(name).poison(data);
      expect(again.poisonedIndices).toEqual(poisonedIndices);
      expect(again.coverIndices).toEqual(coverIndices);
      expect(bytesEqual(again.dataset.images, dataset.images)).toBe(true);
      expect(again.dataset.labels).toEqual(dataset.labels);

      const other = make(name, 8).poison(data);
      expect(other.poisonedIndices).not.toEqual(poisonedIndices);
      expect(bytesEqual(other.dataset.images, dataset.images)).toBe(false);

      const image = imageAt(data, 0);
      const g = geometryOf(data);
      expect(bytesEqual(make(name, 7, {}, data).applyTrigger(image, g), attack.applyTrigger(image, g))).toBe(true);
      // BadNets' default checkerboard is seed-free; its random pattern is seeded. A 3x3 random
      // patch has only 512 variants, so one other seed may collide; four cannot all.
      const seeded = name === 'badnets' ? { pattern: 'random' } : {};
      const reference = make(name, 7, seeded, data).applyTrigger(image, g);
      const others = [8, 9, 10, 11].filter(
        (seed) => !bytesEqual(make(name, seed, seeded, data).applyTrigger(image, g), reference),
      );
      if (SEED_FREE_TRIGGERS.includes(name)) expect(others).toEqual([]);
      else expect(others.length).toBeGreaterThanOrEqual(3);
    });

    it('builds the triggered test set: non-target images only, triggered, TRUE labels', () => {
      const triggered = triggeredTestSet(attack, data);
      const kept = [...data.labels.keys()].filter((i) => data.labels[i] !== TARGET);
      expect(triggered.labels.length).toBe(kept.length);
      expect(triggered.labels.length).toBe(90);
      expect([...triggered.labels]).toEqual(kept.map((i) => data.labels[i]));
      expect(triggered.labels.includes(TARGET)).toBe(false);
      kept.forEach((source, i) => {
        const expected = attack.applyTrigger(imageAt(data, source), geometryOf(data));
        expect(bytesEqual(imageAt(triggered, i), expected)).toBe(true);
        expect(bytesEqual(imageAt(triggered, i), imageAt(data, source))).toBe(false);
      });
    });
  });

  it('returns a new image from applyTrigger without touching the argument', () => {
    const image = imageAt(RGB, 5).slice();
    const copy = image.slice();
    const out = make(name, 7, {}, RGB).applyTrigger(image, geometryOf(RGB));
    expect(out).not.toBe(image);
    expect(bytesEqual(image, copy)).toBe(true);
    expect(bytesEqual(out, copy)).toBe(false);
  });

  it('works on 8x8 and non-square images, gray and RGB', () => {
    for (const [h, w, c] of [
      [8, 8, 1],
      [8, 8, 3],
      [10, 14, 3],
    ] as const) {
      const small = fixtureDataset(60, { height: h, width: w, channels: c }, 3, h * w + c);
      const attack = createAttack(name, { poisonCount: 5, targetClass: 0, seed: 1 });
      const { dataset, poisonedIndices } = attack.poison(small);
      expect(poisonedIndices).toHaveLength(5);
      for (const i of poisonedIndices) expect(bytesEqual(imageAt(dataset, i), imageAt(small, i))).toBe(false);
      expect(triggeredTestSet(attack, small).labels.length).toBe(40);
    }
  });

  it('accepts poisonCount 0 as an unpoisoned control', () => {
    const { dataset, poisonedIndices, coverIndices } = createAttack(name, { poisonCount: 0, targetClass: 0, seed: 1 }).poison(
      GRAY,
    );
    expect(poisonedIndices).toEqual([]);
    expect(coverIndices).toEqual([]);
    expect(bytesEqual(dataset.images, GRAY.images)).toBe(true);
  });

  it('rejects bad options with INVALID_INPUT and a message that says what to fix', () => {
    const base = { poisonCount: POISON, targetClass: TARGET, seed: 1 };
    if (isCleanLabel(name)) {
      const tooMany = errorOf(() => createAttack(name, { ...base, poisonCount: 11 }).poison(GRAY));
      expect(tooMany.code).toBe('INVALID_INPUT');
      expect(tooMany.message).toMatch(/poisonCount 11 exceeds the 10 training images of target class 3/);
    } else {
      const tooMany = errorOf(() => createAttack(name, { ...base, poisonCount: 91 }).poison(GRAY));
      expect(tooMany.code).toBe('INVALID_INPUT');
      expect(tooMany.message).toMatch(/poisonCount 91 exceeds the 90 training images outside/);
    }
    const target = errorOf(() => createAttack(name, { ...base, targetClass: 10 }).poison(GRAY));
    expect(target.code).toBe('INVALID_INPUT');
    expect(target.message).toMatch(/targetClass 10 is out of range.*0\.\.9/);
    expect(errorCode(() => triggeredTestSet(createAttack(name, { ...base, targetClass: 10 }), GRAY))).toBe('INVALID_INPUT');
    for (const bad of [
      { poisonCount: -1 },
      { poisonCount: 2.5 },
      { targetClass: -1 },
      { seed: Number.NaN },
      { seed: 0.5 },
      { poisonCount: '10' },
      { opactiy: 0.5 },
    ]) {
      expect(
        errorCode(() => createAttack(name, loose({ ...base, ...bad }))),
        JSON.stringify(bad),
      ).toBe('INVALID_INPUT');
    }
    expect(errorOf(() => createAttack(name, loose({ ...base, opactiy: 0.5 }))).message).toMatch(/unknown option 'opactiy'/);
  });

  it('rejects images whose size does not match the geometry', () => {
    expect(errorCode(() => make(name).applyTrigger(new Uint8Array(10), geometryOf(GRAY)))).toBe('SHAPE_MISMATCH');
    expect(errorCode(() => make(name).applyTrigger(new Uint8Array(49), { height: 7, width: 7, channels: 1 }))).toBe(
      'SHAPE_MISMATCH',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Registry

describe('createAttack', () => {
  it('knows exactly the twelve attacks and lists their defaults', () => {
    expect([...ATTACK_NAMES]).toEqual([
      'badnets',
      'blend',
      'wanet',
      'adaptive-blend',
      'adaptive-patch',
      'trigger-scattered-badnets',
      'sig',
      'label-consistent',
      'clean-label-wanet',
      'refool',
      'low-frequency',
      'bpp',
    ]);
    expect(Object.keys(ATTACK_DEFAULTS).sort()).toEqual([...ATTACK_NAMES].sort());
    for (const name of ATTACK_NAMES) {
      const attack = make(name);
      expect(attack.name).toBe(name);
      // The resolved options carry every documented default.
      expect(attack.options).toMatchObject({
        ...ATTACK_DEFAULTS[name],
        poisonCount: poisonCountOf(name),
        targetClass: TARGET,
        seed: 7,
      });
    }
  });

  it('throws NOT_FOUND for unknown names', () => {
    const notAnAttack = 'clean-label' as AttackName;
    expect(errorCode(() => createAttack(notAnAttack, { poisonCount: 1, targetClass: 0, seed: 0 }))).toBe('NOT_FOUND');
    expect(isAttackName('clean-label')).toBe(false);
    expect(isAttackName('wanet')).toBe(true);
  });

  it('treats an explicit undefined knob as its default', () => {
    const a = createAttack('blend', { poisonCount: 1, targetClass: 0, seed: 0, alpha: undefined });
    expect(a.options).toMatchObject({ alpha: 0.1, testAlpha: 0.1 });
  });

  it('freezes the resolved options', () => {
    const options: { opacity: number } = createBadNets({ poisonCount: 1, targetClass: 0, seed: 0 }).options;
    expect(() => {
      options.opacity = 0.3;
    }).toThrow(TypeError);
  });

  it('throws INVALID_INPUT when no test image lies outside the target class', () => {
    const onlyTarget = { ...GRAY, images: GRAY.images.slice(0, 784), labels: Int32Array.of(TARGET) };
    expect(errorCode(() => triggeredTestSet(make('badnets'), onlyTarget))).toBe('INVALID_INPUT');
  });
});

// ---------------------------------------------------------------------------------------------
// Attack-specific behaviour

describe('badnets', () => {
  it('changes only the bottom-right 3x3 patch, to black/white pixels equal across channels', () => {
    for (const { data } of DATASETS) {
      const { dataset, poisonedIndices } = make('badnets').poison(data);
      const { width, channels } = data;
      const patch = squarePixels(data.height - 3, width - 3, 3, width);
      let reference: Uint8Array | undefined;
      for (const i of poisonedIndices) {
        const changed = changedPixels(imageAt(dataset, i), imageAt(data, i), channels);
        expect(changed.every((p) => patch.includes(p))).toBe(true);
        const values = Uint8Array.from(patch.flatMap((p) => [...imageAt(dataset, i).subarray(p * channels, (p + 1) * channels)]));
        expect(values.every((v) => v === 0 || v === 255)).toBe(true);
        // The same pattern on every poisoned image.
        reference ??= values;
        expect(bytesEqual(values, reference)).toBe(true);
      }
    }
  });

  it('puts the patch anywhere with top and left, and refuses a position that does not fit', () => {
    const big = fixtureDataset(20, { height: 64, width: 64, channels: 1 }, 2, 9);
    const image = imageAt(big, 0);
    const g = geometryOf(big);
    const placed = make('badnets', 1, { patchSize: 5, top: 30, left: 7, pattern: 'checkerboard' }).applyTrigger(image, g);
    for (let r = 0; r < 64; r++) {
      for (let c = 0; c < 64; c++) {
        const inside = r >= 30 && r < 35 && c >= 7 && c < 12;
        expect(placed[r * 64 + c]).toBe(inside ? ((r - 30 + c - 7) % 2 === 0 ? 255 : 0) : image[r * 64 + c]);
      }
    }
    expect(errorCode(() => make('badnets', 1, { patchSize: 5, top: 60, left: 0 }).applyTrigger(image, g))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('badnets', 1, { top: 3 }))).toBe('INVALID_INPUT');
  });

  it('scales the patch with the image and honours corner, checkerboard and opacity', () => {
    const big = fixtureDataset(20, { height: 64, width: 64, channels: 1 }, 2, 9);
    const image = imageAt(big, 0);
    const g = geometryOf(big);
    const auto = make('badnets').applyTrigger(image, g);
    expect(changedPixels(auto, image, 1).every((p) => squarePixels(58, 58, 6, 64).includes(p))).toBe(true);
    expect(changedPixels(auto, image, 1).length).toBeGreaterThan(9);

    const checker = make('badnets', 1, { corner: 'top-left', pattern: 'checkerboard', patchSize: 4 }).applyTrigger(image, g);
    for (let r = 0; r < 64; r++) {
      for (let c = 0; c < 64; c++) {
        const expected = r < 4 && c < 4 ? ((r + c) % 2 === 0 ? 255 : 0) : image[r * 64 + c];
        expect(checker[r * 64 + c]).toBe(expected);
      }
    }

    const half = make('badnets', 1, { corner: 'top-left', pattern: 'checkerboard', opacity: 0.5 }).applyTrigger(image, g);
    expect(half[0]).toBe(Math.round((image[0] as number) + 0.5 * (255 - (image[0] as number))));
    expect(half[1]).toBe(Math.round((image[1] as number) * 0.5));
  });

  it('rejects patches that do not fit and bad knob values', () => {
    expect(errorCode(() => make('badnets', 1, { patchSize: 29 }).poison(GRAY))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('badnets', 1, { corner: 'middle' }))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('badnets', 1, { pattern: 'stripes' }))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('badnets', 1, { opacity: 0 }))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('badnets', 1, { opacity: 1.5 }))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('badnets', 1, { patchSize: 0 }))).toBe('INVALID_INPUT');
  });
});

describe('blend', () => {
  // With alpha 1 the output is the pattern itself, whatever the input.
  const patternOf = (seed: number, data: ImageDataset) =>
    make('blend', seed, { alpha: 1 }).applyTrigger(new Uint8Array(imageSize(data)), geometryOf(data));

  it('blends one fixed seeded noise pattern at alpha 0.1 in training and at test', () => {
    for (const { data } of DATASETS) {
      const pattern = patternOf(7, data);
      expect(bytesEqual(pattern, patternOf(7, data))).toBe(true);
      // Full-image noise: nearly every byte of the pattern is non-zero and, for RGB, channels differ.
      expect(pattern.filter((v) => v !== 0).length).toBeGreaterThan(0.99 * pattern.length - 1);
      const attack = make('blend');
      const { dataset, poisonedIndices } = attack.poison(data);
      const expected = (x: Uint8Array, alpha: number) => x.map((v, k) => Math.round(v + alpha * ((pattern[k] as number) - v)));
      for (const i of poisonedIndices) expect(bytesEqual(imageAt(dataset, i), expected(imageAt(data, i), 0.1))).toBe(true);
      expect(bytesEqual(attack.applyTrigger(imageAt(data, 0), geometryOf(data)), expected(imageAt(data, 0), 0.1))).toBe(true);
    }
    const rgbPattern = patternOf(7, RGB);
    expect(rgbPattern[0] === rgbPattern[1] && rgbPattern[1] === rgbPattern[2] && rgbPattern[3] === rgbPattern[4]).toBe(false);
  });

  it('uses testAlpha at test time only, and it follows alpha by default', () => {
    const image = imageAt(GRAY, 0);
    const g = geometryOf(GRAY);
    const strong = make('blend', 7, { testAlpha: 0.3 });
    expect(bytesEqual(strong.applyTrigger(image, g), make('blend', 7, { alpha: 0.3 }).applyTrigger(image, g))).toBe(true);
    expect(bytesEqual(strong.poison(GRAY).dataset.images, make('blend').poison(GRAY).dataset.images)).toBe(true);
    expect(createBlend({ poisonCount: 1, targetClass: 0, seed: 0, alpha: 0.2 }).options.testAlpha).toBe(0.2);
    expect(errorCode(() => make('blend', 7, { alpha: 0 }))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('blend', 7, { testAlpha: 2 }))).toBe('INVALID_INPUT');
  });
});

describe('wanet', () => {
  it('poisons with the test-time warp and warps (not paints): a flat image stays flat', () => {
    const attack = make('wanet');
    const { dataset, poisonedIndices } = attack.poison(RGB);
    for (const i of poisonedIndices) {
      expect(bytesEqual(imageAt(dataset, i), attack.applyTrigger(imageAt(RGB, i), geometryOf(RGB)))).toBe(true);
    }
    const flat = new Uint8Array(imageSize(RGB)).fill(77);
    expect(bytesEqual(attack.applyTrigger(flat, geometryOf(RGB)), flat)).toBe(true);
  });

  it('moves pixels by a fraction of a pixel at the default strength, more with larger s', () => {
    const g = { height: 32, width: 32, channels: 1 };
    // A horizontal ramp of 8 levels per pixel turns byte differences into horizontal shifts.
    const ramp = Uint8Array.from({ length: 32 * 32 }, (_, p) => Math.min(255, (p % 32) * 8));
    const meanShift = (s: number) => {
      const out = make('wanet', 7, { s }).applyTrigger(ramp, g);
      let sum = 0;
      let n = 0;
      for (let p = 0; p < ramp.length; p++) {
        const c = p % 32;
        if (c > 0 && c < 31) {
          sum += Math.abs((out[p] as number) - (ramp[p] as number)) / 8;
          n++;
        }
      }
      return sum / n;
    };
    const weak = meanShift(0.5);
    expect(weak).toBeGreaterThan(0.05);
    expect(weak).toBeLessThan(0.5);
    expect(meanShift(2)).toBeGreaterThan(2 * weak);
  });

  it('noise mode: crossRatio x poisonCount true-label samples from any class, warped differently', () => {
    const attack = make('wanet');
    const { dataset, coverIndices } = attack.poison(GRAY);
    expect(coverIndices).toHaveLength(20);
    let differFromTrigger = 0;
    for (const i of coverIndices) {
      expect(dataset.labels[i]).toBe(GRAY.labels[i]);
      const triggered = attack.applyTrigger(imageAt(GRAY, i), geometryOf(GRAY));
      if (!bytesEqual(imageAt(dataset, i), triggered)) differFromTrigger++;
    }
    expect(differFromTrigger).toBe(coverIndices.length);
    // Any class may be drawn: across seeds, some noise sample comes from the target class.
    const fromTarget = [1, 2, 3, 4, 5].some((seed) =>
      make('wanet', seed)
        .poison(GRAY)
        .coverIndices.some((i) => GRAY.labels[i] === TARGET),
    );
    expect(fromTarget).toBe(true);

    expect(make('wanet', 7, { noiseMode: false }).poison(GRAY).coverIndices).toEqual([]);
    expect(make('wanet', 7, { crossRatio: 1 }).poison(GRAY).coverIndices).toHaveLength(10);
    // 10 poisons + 100 noise samples do not fit in 100 images.
    expect(errorOf(() => make('wanet', 7, { crossRatio: 10 }).poison(GRAY)).message).toMatch(/crossRatio/);
  });

  it('rejects bad knobs', () => {
    expect(errorCode(() => make('wanet', 7, { k: 1 }))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('wanet', 7, { k: 29 }).poison(GRAY))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('wanet', 7, { s: 0 }))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('wanet', 7, { noiseMode: 'yes' }))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('wanet', 7, { crossRatio: -1 }))).toBe('INVALID_INPUT');
  });
});

describe('adaptive-blend', () => {
  const patternOf = (data: ImageDataset) =>
    make('adaptive-blend', 7, { testAlpha: 1 }).applyTrigger(new Uint8Array(imageSize(data)), geometryOf(data));
  const blended = (x: number, p: number, alpha: number) => Math.round(x + alpha * (p - x));

  /** For each of the 16 pieces: 'on' (blended at alpha), 'off' (untouched) or 'mixed'. */
  function pieceStates(original: Uint8Array, poisoned: Uint8Array, pattern: Uint8Array, data: ImageDataset, alpha: number) {
    const { height, width, channels } = data;
    const states: string[] = [];
    for (let piece = 0; piece < 16; piece++) {
      const [pi, pj] = [Math.floor(piece / 4), piece % 4];
      let on = true;
      let off = true;
      for (let r = Math.floor((pi * height) / 4); r < Math.floor(((pi + 1) * height) / 4); r++) {
        for (let c = Math.floor((pj * width) / 4); c < Math.floor(((pj + 1) * width) / 4); c++) {
          for (let k = 0; k < channels; k++) {
            const b = (r * width + c) * channels + k;
            const x = original[b] as number;
            if (poisoned[b] !== blended(x, pattern[b] as number, alpha)) on = false;
            if (poisoned[b] !== x) off = false;
          }
        }
      }
      states.push(on && !off ? 'on' : off && !on ? 'off' : 'mixed');
    }
    return states;
  }

  it('blends a random half of the 4x4 pieces at alpha 0.15 into poisons and covers', () => {
    for (const { data } of DATASETS) {
      const pattern = patternOf(data);
      const { dataset, poisonedIndices, coverIndices } = make('adaptive-blend').poison(data);
      const subsets = new Set<string>();
      for (const i of [...poisonedIndices, ...coverIndices]) {
        const states = pieceStates(imageAt(data, i), imageAt(dataset, i), pattern, data, 0.15);
        expect(states.filter((s) => s === 'on')).toHaveLength(8);
        expect(states.filter((s) => s === 'off')).toHaveLength(8);
        subsets.add(states.join());
      }
      // The subset is drawn per sample, not fixed.
      expect(subsets.size).toBeGreaterThan(10);
    }
  });

  it('uses every piece at alpha 0.2 at test time', () => {
    const pattern = patternOf(RGB);
    const image = imageAt(RGB, 0);
    const out = make('adaptive-blend').applyTrigger(image, geometryOf(RGB));
    expect(
      bytesEqual(
        out,
        image.map((x, k) => blended(x, pattern[k] as number, 0.2)),
      ),
    ).toBe(true);
  });

  it('takes covers from non-target classes, round(p * r / (1 - r)) of them', () => {
    const { coverIndices } = make('adaptive-blend').poison(GRAY);
    expect(coverIndices.every((i) => GRAY.labels[i] !== TARGET)).toBe(true);
    expect(make('adaptive-blend', 7, { conservatismRatio: 0 }).poison(GRAY).coverIndices).toEqual([]);
    expect(make('adaptive-blend', 7, { conservatismRatio: 0.75 }).poison(GRAY).coverIndices).toHaveLength(30);
    expect(make('adaptive-blend', 7, { conservatismRatio: 0.25 }).poison(GRAY).coverIndices).toHaveLength(3);
    expect(errorOf(() => make('adaptive-blend', 7, { conservatismRatio: 0.9 }).poison(GRAY)).message).toMatch(
      /conservatismRatio/,
    );
  });

  it('honours gridSize and pieceRatio and rejects bad knobs', () => {
    const { dataset, poisonedIndices } = make('adaptive-blend', 7, { gridSize: 2, pieceRatio: 0.25 }).poison(GRAY);
    for (const i of poisonedIndices) {
      const changed = changedPixels(imageAt(dataset, i), imageAt(GRAY, i), 1);
      const quadrants = new Set(changed.map((p) => (Math.floor(p / 28) < 14 ? 0 : 2) + (p % 28 < 14 ? 0 : 1)));
      expect(quadrants.size).toBe(1);
    }
    expect(errorCode(() => make('adaptive-blend', 7, { conservatismRatio: 1 }))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('adaptive-blend', 7, { pieceRatio: 0 }))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('adaptive-blend', 7, { gridSize: 1.5 }))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('adaptive-blend', 7, { gridSize: 29 }).applyTrigger(imageAt(GRAY, 0), geometryOf(GRAY)))).toBe(
      'INVALID_INPUT',
    );
  });
});

describe('adaptive-patch', () => {
  it('stamps a random 2 of 4 fixed patches on poisons and covers, all 4 at test time', () => {
    for (const { data } of DATASETS) {
      const g = geometryOf(data);
      const patches = scatteredPatches('adaptive-patch', 7, 4, 'auto')(g);
      const attack = make('adaptive-patch');
      // The test trigger paints the same pixels on a black and a white image: that is the patch area.
      const onBlack = attack.applyTrigger(new Uint8Array(imageSize(data)), g);
      const onWhite = attack.applyTrigger(new Uint8Array(imageSize(data)).fill(255), g);
      const pixelOf = (image: Uint8Array, p: number) => image.subarray(p * data.channels, (p + 1) * data.channels);
      const area = [...Array(data.height * data.width).keys()].filter((p) =>
        bytesEqual(pixelOf(onBlack, p), pixelOf(onWhite, p)),
      );
      const patchPixels = patches.map((patch) => squarePixels(patch.top, patch.left, patch.size, data.width));
      expect(area).toEqual(patchPixels.flat().sort((a, b) => a - b));

      const { dataset, poisonedIndices, coverIndices } = attack.poison(data);
      for (const i of [...poisonedIndices, ...coverIndices]) {
        const changed = new Set(changedPixels(imageAt(dataset, i), imageAt(data, i), data.channels));
        const hit = patchPixels.filter((pixels) => pixels.some((p) => changed.has(p)));
        expect(hit).toHaveLength(2);
        expect([...changed].every((p) => hit.flat().includes(p))).toBe(true);
        for (const p of changed) expect(bytesEqual(pixelOf(imageAt(dataset, i), p), pixelOf(onBlack, p))).toBe(true);
      }
      expect(coverIndices.every((i) => dataset.labels[i] === data.labels[i] && data.labels[i] !== TARGET)).toBe(true);
    }
  });

  it('honours patchesPerSample, opacities and validates', () => {
    const { dataset, poisonedIndices } = make('adaptive-patch', 7, { patchesPerSample: 1, opacity: 0.5 }).poison(GRAY);
    const patches = scatteredPatches('adaptive-patch', 7, 4, 'auto')(geometryOf(GRAY));
    for (const i of poisonedIndices) {
      const changed = new Set(changedPixels(imageAt(dataset, i), imageAt(GRAY, i), 1));
      const hit = patches.filter((patch) => squarePixels(patch.top, patch.left, patch.size, 28).some((p) => changed.has(p)));
      expect(hit).toHaveLength(1);
      const patch = hit[0]!;
      const p = patch.top * 28 + patch.left;
      const x = imageAt(GRAY, i)[p] as number;
      expect(imageAt(dataset, i)[p]).toBe(Math.round(x + 0.5 * ((patch.pixels[0] as number) - x)));
    }
    expect(errorCode(() => make('adaptive-patch', 7, { patchesPerSample: 5 }))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('adaptive-patch', 7, { patchCount: 1 }))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('adaptive-patch', 7, { testOpacity: 0 }))).toBe('INVALID_INPUT');
    // 16 patches of 8 px cannot be placed apart on 28x28 (4x4 cells of 7 px).
    expect(errorCode(() => make('adaptive-patch', 7, { patchCount: 16, patchSize: 8 }).poison(GRAY))).toBe('INVALID_INPUT');
  });
});

describe('trigger-scattered-badnets', () => {
  it('stamps ONE of K fixed noise patches per poisoned sample and all K at test time', () => {
    for (const { data } of DATASETS) {
      const g = geometryOf(data);
      const patches = scatteredPatches('trigger-scattered-badnets', 7, 4, 'auto')(g);
      const patchPixels = patches.map((patch) => squarePixels(patch.top, patch.left, patch.size, data.width));
      const attack = make('trigger-scattered-badnets');
      const { dataset, poisonedIndices } = attack.poison(data);
      const used = new Set<number>();
      for (const i of poisonedIndices) {
        const changed = changedPixels(imageAt(dataset, i), imageAt(data, i), data.channels);
        const hit = patchPixels.flatMap((pixels, k) => (pixels.some((p) => changed.includes(p)) ? [k] : []));
        expect(hit).toHaveLength(1);
        used.add(hit[0]!);
        expect(changed.every((p) => patchPixels[hit[0]!]!.includes(p))).toBe(true);
      }
      // Over 10 samples, more than one of the 4 patches gets used.
      expect(used.size).toBeGreaterThan(1);

      const image = imageAt(data, 0);
      const changed = changedPixels(attack.applyTrigger(image, g), image, data.channels);
      expect(changed.every((p) => patchPixels.flat().includes(p))).toBe(true);
      for (const pixels of patchPixels) expect(pixels.some((p) => changed.includes(p))).toBe(true);
      // Noise patches, not black/white ones.
      const values = new Set(patches.flatMap((patch) => [...patch.pixels]));
      expect(values.size).toBeGreaterThan(10);
    }
  });

  it('honours patchCount and validates', () => {
    const g = geometryOf(GRAY);
    const image = imageAt(GRAY, 0);
    const six = scatteredPatches('trigger-scattered-badnets', 7, 6, 'auto')(g);
    const changed = changedPixels(make('trigger-scattered-badnets', 7, { patchCount: 6 }).applyTrigger(image, g), image, 1);
    for (const patch of six) expect(changed).toContain(patch.top * 28 + patch.left + 28 + 1);
    expect(errorCode(() => make('trigger-scattered-badnets', 7, { patchCount: 17 }))).toBe('INVALID_INPUT');
    expect(errorCode(() => make('trigger-scattered-badnets', 7, { opacity: -0.1 }))).toBe('INVALID_INPUT');
  });
});
