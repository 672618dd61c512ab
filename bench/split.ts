/**
 * The tuning / held-out split of the efficacy benchmark's victims, declared before tuning
 * (docs/benchmarks.md#held-out-protocol). A default may change only on evidence from tuning
 * victims; the held-out victims report how it generalises. Attacks added to the lab after the
 * split are held out for every default.
 */
export type Split = 'tuning' | 'held-out';
export type Profile = 'tiny' | 'strong';

/** Victims (attack, seed) that defaults may be tuned on, per profile; everything else is held out. */
export const TUNING_VICTIMS: Record<Profile, { attacks: readonly string[]; seeds: readonly number[] }> = {
  // Pivotal Tuning's well-trained defaults (issue 19) were chosen on these two victims.
  strong: { attacks: ['badnets', 'blend'], seeds: [1] },
  // CTI's families and bands and PT's earlier defaults were tuned on the whole tiny benchmark;
  // from the split on, only these stay tuning victims.
  tiny: { attacks: ['badnets', 'blend', 'trigger-scattered-badnets', 'adaptive-blend'], seeds: [1] },
};

export function splitOf(profile: Profile, attack: string, seed: number): Split {
  const tuning = TUNING_VICTIMS[profile];
  return tuning.attacks.includes(attack) && tuning.seeds.includes(seed) ? 'tuning' : 'held-out';
}
