/**
 * Seeded randomness. Every random choice in Antidote (splits, poisoning, augmentation, init)
 * flows from an explicit seed so a run can be reproduced exactly.
 */

export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** Standard normal sample (Box-Muller). */
  normal(): number;
  /** A fresh 32-bit seed derived from this stream, for seeding child generators. */
  seed(): number;
}

/** mulberry32: tiny, fast, and good enough for sampling (not for cryptography). */
export function createRng(seed: number): Rng {
  let state = (seed ^ 0x9e3779b9) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (maxExclusive) => Math.floor(next() * maxExclusive),
    normal: () => {
      const u = Math.max(next(), Number.EPSILON);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    seed: () => Math.floor(next() * 4294967296) >>> 0,
  };
}

export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}

/** `count` distinct indices from [0, n), in random order. */
export function sampleWithoutReplacement(n: number, count: number, rng: Rng): number[] {
  if (count > n) throw new RangeError(`cannot sample ${count} of ${n}`);
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(n - i);
    const tmp = pool[i] as number;
    pool[i] = pool[j] as number;
    pool[j] = tmp;
  }
  return pool.slice(0, count);
}
