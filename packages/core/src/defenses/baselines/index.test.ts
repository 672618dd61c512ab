import { describe, expect, it } from 'vitest';
import { DETECTORS, REPAIR_DEFENSES } from '../types.ts';
import { BASELINE_DEFENSES, BASELINE_DETECTORS, BASELINE_REPAIR_NAMES } from './index.ts';

describe('baseline registry', () => {
  it('maps every baseline name to the defense of that name, all known to the product', () => {
    expect(Object.keys(BASELINE_DEFENSES).sort()).toEqual([...BASELINE_REPAIR_NAMES].sort());
    for (const [name, defense] of Object.entries(BASELINE_DEFENSES)) {
      expect(defense.name).toBe(name);
      expect(REPAIR_DEFENSES).toContain(name);
    }
    for (const [name, detector] of Object.entries(BASELINE_DETECTORS)) {
      expect(detector.name).toBe(name);
      expect(DETECTORS).toContain(name);
    }
  });
});
