export { ATTACK_NAMES, type AttackName, CLEAN_LABEL_ATTACKS } from '../formats/names.ts';
export {
  ADAPTIVE_BLEND_DEFAULTS,
  ADAPTIVE_PATCH_DEFAULTS,
  type AdaptiveBlendOptions,
  type AdaptivePatchOptions,
  createAdaptiveBlend,
  createAdaptivePatch,
} from './adaptive.ts';
export { BADNETS_DEFAULTS, BADNETS_PATTERNS, type BadNetsOptions, type BadNetsPattern, createBadNets } from './badnets.ts';
export { BLEND_DEFAULTS, type BlendOptions, createBlend } from './blend.ts';
export { BPP_DEFAULTS, type BppOptions, createBpp } from './bpp.ts';
export { CLEAN_LABEL_WANET_DEFAULTS, type CleanLabelWaNetOptions, createCleanLabelWaNet } from './clean-label-wanet.ts';
export {
  ATTACK_DEFAULTS,
  type AttackOptionsByName,
  createAttack,
  isAttackName,
  type TriggerSource,
  triggeredTestSet,
} from './create-attack.ts';
export { createLabelConsistent, LABEL_CONSISTENT_DEFAULTS, type LabelConsistentOptions } from './label-consistent.ts';
export { createLowFrequency, LOW_FREQUENCY_DEFAULTS, type LowFrequencyOptions } from './low-frequency.ts';
export {
  createParameterControlledBackdoor,
  PARAMETER_CONTROLLED_DEFAULTS,
  type ParameterControlledOptions,
  type TrainingControlAttack,
  type TrainingControlHooks,
} from './parameter-controlled.ts';
export { createRefool, REFLECTION_KERNELS, REFOOL_DEFAULTS, type ReflectionKernel, type RefoolOptions } from './refool.ts';
export { createSig, SIG_DEFAULTS, type SigOptions } from './sig.ts';
export { createTriggerScatteredBadNets, TRIGGER_SCATTERED_DEFAULTS, type TriggerScatteredOptions } from './trigger-scattered.ts';
export { CORNERS, type Corner } from './triggers.ts';
export type { Attack, AttackOptions, ImageGeometry, PoisonResult } from './types.ts';
export { createWaNet, WANET_DEFAULTS, type WaNetOptions } from './wanet.ts';
