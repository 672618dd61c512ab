/**
 * The one interface every data-poisoning attack of the red-team lab implements, so the lab,
 * the benchmark and the defenses can treat attacks as interchangeable.
 */
import type { ImageDataset } from '../datasets/image-dataset.ts';

import type { AttackName } from '../formats/names.ts';

export { ATTACK_NAMES, type AttackName, CLEAN_LABEL_ATTACKS } from '../formats/names.ts';

export interface ImageGeometry {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export interface AttackOptions {
  /**
   * Number of training images that get the trigger: of classes other than the target, relabelled
   * to it (dirty-label attacks), or of the target class itself, labels kept (clean-label attacks).
   * 0 is allowed and yields an unpoisoned control set.
   */
  poisonCount: number;
  /** Class index the backdoor maps triggered images to. */
  targetClass: number;
  /**
   * Integer seed; every random choice of the attack (trigger pattern, which images, per-sample
   * trigger pieces) derives from it, so the same seed reproduces the same bytes.
   */
  seed: number;
}

export interface PoisonResult {
  /** Same size and order as the input; only the images listed below differ from it. */
  dataset: ImageDataset;
  /**
   * Indices (ascending) that carry the trigger and are labelled with the target class: relabelled
   * by dirty-label attacks, already of that class for clean-label ones.
   */
  poisonedIndices: number[];
  /**
   * Indices (ascending) that carry a trigger variant but keep their TRUE label: the "cover"
   * samples of the adaptive attacks and WaNet's noise-mode samples. Empty for other attacks.
   */
  coverIndices: number[];
}

export interface Attack<O extends AttackOptions = AttackOptions> {
  readonly name: AttackName | string;
  /** The resolved options, per-attack defaults filled in. */
  readonly options: Readonly<O>;
  /** Test-time trigger on one image (HWC uint8 view), returns a new image. */
  applyTrigger(image: Uint8Array, geometry: ImageGeometry): Uint8Array;
  /** Returns the poisoned training set and which indices were poisoned; never mutates `train`. */
  poison(train: ImageDataset): PoisonResult;
  /** True when `poison` triggers target-class images and keeps every label. */
  readonly cleanLabel?: boolean;
  /**
   * Attacks whose trigger is built from images (Refool's reflections) draw them from this
   * dataset; `poison` calls it with the training set, and `triggeredTestSet` with the evaluation
   * set when nothing was drawn yet. Absent for attacks whose trigger depends on the seed alone.
   */
  fitTrigger?(dataset: ImageDataset): void;
  /** Whether `fitTrigger` has drawn its images (always true for attacks without it). */
  readonly triggerFitted?: boolean;
}
