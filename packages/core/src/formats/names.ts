/**
 * The names of what core implements (attacks, repair defenses, detectors, trigger families), kept
 * free of TensorFlow so that job schemas and the API can validate names without loading it.
 */

export type AttackName =
  | 'badnets'
  | 'blend'
  | 'wanet'
  | 'adaptive-blend'
  | 'adaptive-patch'
  | 'trigger-scattered-badnets'
  | 'sig'
  | 'label-consistent'
  | 'clean-label-wanet'
  | 'refool'
  | 'low-frequency'
  | 'bpp';

export const ATTACK_NAMES: readonly AttackName[] = Object.freeze([
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
] as const);

/** Attacks that poison images of the target class and keep every label. */
export const CLEAN_LABEL_ATTACKS: readonly AttackName[] = Object.freeze([
  'sig',
  'label-consistent',
  'clean-label-wanet',
  'refool',
] as const);

/** The lab also trains with a training-control backdoor, which is not a data-poisoning attack. */
export const LAB_ATTACK_NAMES = [...ATTACK_NAMES, 'parameter-controlled'] as const;
export type LabAttackName = (typeof LAB_ATTACK_NAMES)[number];

export const REPAIR_DEFENSES = ['fine-tuning', 'fine-pruning', 'nad', 'neural-cleanse', 'pivotal-tuning'] as const;
export type RepairDefenseName = (typeof REPAIR_DEFENSES)[number];

export const DETECTORS = ['cti', 'neural-cleanse', 'strip'] as const;
export type DetectorName = (typeof DETECTORS)[number];

/** Trigger shapes calibrated trigger inversion can search for. */
export const TRIGGER_FAMILIES = ['additive', 'patch', 'warp'] as const;
export type TriggerFamily = (typeof TRIGGER_FAMILIES)[number];
