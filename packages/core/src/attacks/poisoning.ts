/**
 * The dirty-label poisoning procedure shared by every attack, so sample selection, relabelling,
 * cover samples and input validation behave identically whatever the trigger.
 */
import { type ImageDataset, imageSize, validateDataset } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';
import { type Rng, sampleWithoutReplacement } from '../random.ts';
import { checkTargetClass } from './options.ts';
import { checkGeometry, checkImage, deriveRng } from './triggers.ts';
import type { Attack, AttackName, AttackOptions, ImageGeometry, PoisonResult } from './types.ts';

/** Loosely typed options as they arrive from the CLI, gateway or lab UI. */
export type LooseAttackOptions = AttackOptions & Record<string, unknown>;

/**
 * A trigger that may write into `image`: the caller always hands over a private copy, so no
 * trigger can corrupt a caller's dataset through a subarray view.
 */
export type TriggerFn = (image: Uint8Array, rng: Rng) => Uint8Array;

/** What an attack contributes to poisoning, for one image geometry. */
export interface PoisonPlan {
  /** Training-time trigger of the samples relabelled to the target. */
  readonly poisonTrigger: TriggerFn;
  /** Extra triggered samples that keep their TRUE labels. */
  readonly coverCount: number;
  readonly coverTrigger?: TriggerFn;
  /**
   * Adaptive attacks take covers from non-target classes only (a triggered target-class image
   * would simply be one more poison); WaNet's noise samples may be of any class.
   */
  readonly coverFromAnyClass: boolean;
  /** How to make room when covers do not fit, e.g. "lower conservatismRatio". */
  readonly coverHint: string;
}

export interface AttackSpec<O extends AttackOptions> {
  readonly name: AttackName;
  readonly options: O;
  /**
   * Clean-label attacks (SIG, label-consistent, clean-label WaNet, Refool) trigger `poisonCount`
   * images OF the target class and keep every label, so no poisoned image is visibly mislabelled.
   */
  readonly cleanLabel?: boolean;
  /** Test-time trigger; receives a private copy of the image. */
  readonly testTrigger: (image: Uint8Array, geometry: ImageGeometry) => Uint8Array;
  /** The training set is passed for attacks whose trigger is built from data (a surrogate model, reflections). */
  readonly plan: (geometry: ImageGeometry, train: ImageDataset) => PoisonPlan;
}

export function defineAttack<O extends AttackOptions>(spec: AttackSpec<O>): Attack<O> {
  const options = Object.freeze({ ...spec.options });
  return {
    name: spec.name,
    options,
    cleanLabel: spec.cleanLabel === true,
    applyTrigger(image, geometry) {
      checkImage(image, geometry);
      return spec.testTrigger(image.slice(), geometry);
    },
    poison(train) {
      return poisonDataset(spec.name, options, train, spec.plan, spec.cleanLabel === true);
    },
  };
}

function geometryOf(dataset: ImageDataset): ImageGeometry {
  return { height: dataset.height, width: dataset.width, channels: dataset.channels };
}

function poisonDataset(
  attack: string,
  options: AttackOptions,
  train: ImageDataset,
  makePlan: (geometry: ImageGeometry, train: ImageDataset) => PoisonPlan,
  cleanLabel: boolean,
): PoisonResult {
  validateDataset(train);
  const geometry = geometryOf(train);
  checkGeometry(geometry);
  const { poisonCount, targetClass, seed } = options;
  checkTargetClass(attack, targetClass, train.classNames.length);
  const plan = makePlan(geometry, train);

  const eligible: number[] = [];
  train.labels.forEach((label, i) => {
    if ((label === targetClass) === cleanLabel) eligible.push(i);
  });
  if (poisonCount > eligible.length) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `${attack}: poisonCount ${poisonCount} exceeds the ${eligible.length} training images ${cleanLabel ? 'of' : 'outside'} target class ${targetClass}; lower poisonCount.`,
    );
  }
  const coverPoolSize = plan.coverFromAnyClass ? train.labels.length - poisonCount : eligible.length - poisonCount;
  if (plan.coverCount > coverPoolSize) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `${attack}: ${poisonCount} poisoned plus ${plan.coverCount} cover samples need more than the ${coverPoolSize + poisonCount} available images; lower poisonCount or ${plan.coverHint}.`,
    );
  }

  const rng = deriveRng(seed, `${attack}:poison`);
  const order = sampleWithoutReplacement(eligible.length, poisonCount, rng);
  const poisoned = order.map((k) => eligible[k] as number).sort((a, b) => a - b);
  let covers: number[] = [];
  if (plan.coverCount > 0) {
    const taken = new Set(poisoned);
    const pool = (plan.coverFromAnyClass ? Array.from(train.labels.keys()) : eligible).filter((i) => !taken.has(i));
    covers = sampleWithoutReplacement(pool.length, plan.coverCount, rng)
      .map((k) => pool[k] as number)
      .sort((a, b) => a - b);
  }

  const size = imageSize(train);
  const images = train.images.slice();
  const labels = train.labels.slice();
  const stamp = (indices: readonly number[], trigger: TriggerFn) => {
    for (const i of indices) {
      const triggered = trigger(train.images.slice(i * size, (i + 1) * size), rng);
      images.set(triggered, i * size);
    }
  };
  stamp(poisoned, plan.poisonTrigger);
  if (!cleanLabel) for (const i of poisoned) labels[i] = targetClass;
  stamp(covers, plan.coverTrigger ?? plan.poisonTrigger);
  return { dataset: { ...train, images, labels }, poisonedIndices: poisoned, coverIndices: covers };
}
