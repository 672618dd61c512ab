/**
 * The one interface every data-poisoning attack of the red-team lab implements, so the lab,
 * the benchmark and the defenses can treat attacks as interchangeable.
 */
import type { ImageDataset } from '../datasets/image-dataset.ts';

import type { AttackName } from '../formats/names.ts';

export { ATTACK_NAMES, type AttackName } from '../formats/names.ts';

export interface ImageGeometry {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export interface AttackOptions {
  /**
   * Number of training images (all of a class other than the target) that get the trigger AND
   * are relabelled to the target class. 0 is allowed and yields an unpoisoned control set.
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
  /** Indices (ascending) that carry the trigger AND were relabelled to the target class. */
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
}
