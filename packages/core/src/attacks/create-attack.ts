/**
 * Attack lookup by name (what the CLI, gateway and lab UI hold) and the triggered evaluation set
 * every ASR/ARR measurement uses.
 */
import { type ImageDataset, imageSize } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';
import {
  ADAPTIVE_BLEND_DEFAULTS,
  ADAPTIVE_PATCH_DEFAULTS,
  type AdaptiveBlendOptions,
  type AdaptivePatchOptions,
  createAdaptiveBlend,
  createAdaptivePatch,
} from './adaptive.ts';
import { BADNETS_DEFAULTS, type BadNetsOptions, createBadNets } from './badnets.ts';
import { BLEND_DEFAULTS, type BlendOptions, createBlend } from './blend.ts';
import { BPP_DEFAULTS, type BppOptions, createBpp } from './bpp.ts';
import { CLEAN_LABEL_WANET_DEFAULTS, type CleanLabelWaNetOptions, createCleanLabelWaNet } from './clean-label-wanet.ts';
import { createLabelConsistent, LABEL_CONSISTENT_DEFAULTS, type LabelConsistentOptions } from './label-consistent.ts';
import { createLowFrequency, LOW_FREQUENCY_DEFAULTS, type LowFrequencyOptions } from './low-frequency.ts';
import { checkTargetClass } from './options.ts';
import type { LooseAttackOptions } from './poisoning.ts';
import { createRefool, REFOOL_DEFAULTS, type RefoolOptions } from './refool.ts';
import { createSig, SIG_DEFAULTS, type SigOptions } from './sig.ts';
import { createTriggerScatteredBadNets, TRIGGER_SCATTERED_DEFAULTS, type TriggerScatteredOptions } from './trigger-scattered.ts';
import { checkGeometry } from './triggers.ts';
import { ATTACK_NAMES, type Attack, type AttackName } from './types.ts';
import { createWaNet, WANET_DEFAULTS, type WaNetOptions } from './wanet.ts';

export interface AttackOptionsByName {
  badnets: BadNetsOptions;
  blend: BlendOptions;
  wanet: WaNetOptions;
  'adaptive-blend': AdaptiveBlendOptions;
  'adaptive-patch': AdaptivePatchOptions;
  'trigger-scattered-badnets': TriggerScatteredOptions;
  sig: SigOptions;
  'label-consistent': LabelConsistentOptions;
  'clean-label-wanet': CleanLabelWaNetOptions;
  refool: RefoolOptions;
  'low-frequency': LowFrequencyOptions;
  bpp: BppOptions;
}

/** Per-attack knobs and their defaults (beyond poisonCount, targetClass, seed), e.g. for a settings form. */
export const ATTACK_DEFAULTS: { readonly [N in AttackName]: Readonly<Record<string, number | string | boolean>> } = Object.freeze(
  {
    badnets: BADNETS_DEFAULTS,
    // The test alpha follows the training alpha unless set.
    blend: { ...BLEND_DEFAULTS, testAlpha: BLEND_DEFAULTS.alpha },
    wanet: WANET_DEFAULTS,
    'adaptive-blend': ADAPTIVE_BLEND_DEFAULTS,
    'adaptive-patch': ADAPTIVE_PATCH_DEFAULTS,
    'trigger-scattered-badnets': TRIGGER_SCATTERED_DEFAULTS,
    // The test amplitude follows the training amplitude unless set.
    sig: { ...SIG_DEFAULTS, testDelta: SIG_DEFAULTS.delta },
    'label-consistent': LABEL_CONSISTENT_DEFAULTS,
    'clean-label-wanet': CLEAN_LABEL_WANET_DEFAULTS,
    refool: REFOOL_DEFAULTS,
    'low-frequency': LOW_FREQUENCY_DEFAULTS,
    bpp: BPP_DEFAULTS,
  },
);

const FACTORIES: { readonly [N in AttackName]: (options: LooseAttackOptions) => Attack } = {
  badnets: (o) => createBadNets(o as BadNetsOptions),
  blend: (o) => createBlend(o as BlendOptions),
  wanet: (o) => createWaNet(o as WaNetOptions),
  'adaptive-blend': (o) => createAdaptiveBlend(o as AdaptiveBlendOptions),
  'adaptive-patch': (o) => createAdaptivePatch(o as AdaptivePatchOptions),
  'trigger-scattered-badnets': (o) => createTriggerScatteredBadNets(o as TriggerScatteredOptions),
  sig: (o) => createSig(o as SigOptions),
  'label-consistent': (o) => createLabelConsistent(o as LabelConsistentOptions),
  'clean-label-wanet': (o) => createCleanLabelWaNet(o as CleanLabelWaNetOptions),
  refool: (o) => createRefool(o as RefoolOptions),
  'low-frequency': (o) => createLowFrequency(o as LowFrequencyOptions),
  bpp: (o) => createBpp(o as BppOptions),
};

export function isAttackName(value: unknown): value is AttackName {
  return typeof value === 'string' && (ATTACK_NAMES as readonly string[]).includes(value);
}

/**
 * Builds an attack from its name and options. Unknown names throw NOT_FOUND; bad or unknown
 * options throw INVALID_INPUT naming the option and its accepted range.
 */
export function createAttack<N extends AttackName>(
  name: N,
  options: AttackOptionsByName[N],
): Attack<Required<AttackOptionsByName[N]>>;
export function createAttack(name: AttackName, options: LooseAttackOptions): Attack;
export function createAttack(name: AttackName, options: LooseAttackOptions): Attack {
  if (!isAttackName(name)) {
    throw new AntidoteError('NOT_FOUND', `Unknown attack '${String(name)}'. Known attacks: ${ATTACK_NAMES.join(', ')}.`);
  }
  return FACTORIES[name](options);
}

/** What `triggeredTestSet` needs of an attack: data poisoning and training-control attacks both qualify. */
export type TriggerSource = Pick<Attack, 'name' | 'options' | 'applyTrigger'> &
  Partial<Pick<Attack, 'fitTrigger' | 'triggerFitted'>>;

/**
 * The ASR/ARR evaluation set: every image whose true label != target, triggered, labels = TRUE
 * labels. An attack whose trigger is drawn from images (Refool) and was never fitted (no
 * `poison` call) draws them from `test` itself.
 */
export function triggeredTestSet(attack: TriggerSource, test: ImageDataset): ImageDataset {
  checkGeometry(test);
  const { targetClass } = attack.options;
  checkTargetClass(String(attack.name), targetClass, test.classNames.length);
  if (attack.fitTrigger && attack.triggerFitted !== true) attack.fitTrigger(test);
  const keep: number[] = [];
  test.labels.forEach((label, i) => {
    if (label !== targetClass) keep.push(i);
  });
  if (keep.length === 0) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `The test set has no images outside target class ${targetClass}, so ASR and ARR are undefined; use a test set with other classes.`,
    );
  }
  const size = imageSize(test);
  if (test.images.length !== test.labels.length * size) {
    throw new AntidoteError(
      'SHAPE_MISMATCH',
      `Test pixel buffer holds ${test.images.length} values, expected ${test.labels.length * size}.`,
    );
  }
  const geometry = { height: test.height, width: test.width, channels: test.channels };
  const images = new Uint8Array(keep.length * size);
  const labels = new Int32Array(keep.length);
  keep.forEach((source, i) => {
    images.set(attack.applyTrigger(test.images.subarray(source * size, (source + 1) * size), geometry), i * size);
    labels[i] = test.labels[source] as number;
  });
  return { ...test, images, labels };
}
