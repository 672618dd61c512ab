/**
 * The one interface every defense implements, so the product, the sweeps and the efficacy
 * benchmark treat Pivotal Tuning and the baselines alike. An honest defense sees only the suspect
 * model and the trusted data: every choice it makes (stopping step, pruning amount, threshold)
 * uses a validation split of the trusted data, never test data or knowledge of the attack.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../datasets/image-dataset.ts';
import type { DetectorName, RepairDefenseName } from '../formats/names.ts';
import type { ThreadPool } from '../parallel/pool.ts';
import type { CheckpointOptions } from './checkpoint.ts';
import type { CheckpointInspector, CheckpointRecord } from './floor-tuning.ts';

export { DETECTORS, type DetectorName, REPAIR_DEFENSES, type RepairDefenseName } from '../formats/names.ts';

export interface DefenseProgress {
  /** What the defense is doing, e.g. 'repair', 'invert-class-3', 'prune'. */
  phase: string;
  step: number;
  totalSteps: number;
  /** Validation figures on the held-out trusted split (e.g. { validationAccuracy }). */
  metrics?: Record<string, number>;
}

/** Checkpoint options are honoured by the repairs (see checkpoint.ts); detectors ignore them. */
export interface DefenseOptions extends CheckpointOptions {
  seed: number;
  signal?: AbortSignal;
  onProgress?: (progress: DefenseProgress) => void | Promise<void>;
  /**
   * Share of the trusted set held out for validation (stopping, floors, thresholds). Default 0.2.
   * The defense trains only on the rest.
   */
  validationFraction?: number;
  /**
   * Standard errors of held-out noise a repair's checkpoint may exceed its accuracy budget by
   * (judged image by image against the suspect); 0 judges the point estimate alone. Default 1.
   */
  budgetTolerance?: number;
  /** Figures about each evaluated checkpoint of a repair (e.g. a known attack's success), kept in `checkpoints`. */
  inspectCheckpoint?: CheckpointInspector;
  /**
   * Compute threads to spread work over: training batches (data-parallel; Pivotal Tuning and the
   * cross-entropy baselines, not NAD's student or Neural Cleanse's unlearning) and CTI's classes.
   * Start the pool with the job's signal so a cancel stops its threads. Without one, everything
   * runs on this thread.
   */
  pool?: ThreadPool;
}

export interface RepairResult {
  /** A new model; the suspect model is left untouched. The caller disposes it. */
  model: tf.LayersModel;
  defense: RepairDefenseName;
  /** Accuracy of the suspect and the repaired model on the held-out trusted split. */
  validationAccuracyBefore: number;
  validationAccuracyAfter: number;
  steps: number;
  seconds: number;
  /** The hyper-parameters actually used (for reports and audit). */
  parameters: Record<string, number | string | boolean>;
  /** Every evaluated checkpoint of the tuning (held-out accuracy, paired drop): the trade-offs seen. */
  checkpoints?: CheckpointRecord[];
}

export interface DetectResult {
  detector: DetectorName;
  /** Higher = more suspicious. Always shown next to the verdict. */
  score: number;
  /** Per candidate class, when the detector scores classes. */
  classScores: number[] | null;
  /** The class the backdoor most likely maps to, or null when the detector cannot tell. */
  suspectedTarget: number | null;
  /** Threshold the verdict used (calibrated on reference clean models), or null if uncalibrated. */
  threshold: number | null;
  verdict: 'backdoored' | 'clean' | 'uncalibrated';
  /** The inverted trigger for the suspected class, as HWC float pixels in [0, 1] (render with `encodePng`). */
  trigger: { pixels: Float32Array; height: number; width: number; channels: number } | null;
  seconds: number;
  parameters: Record<string, number | string | boolean>;
}

export interface RepairDefense<O extends DefenseOptions = DefenseOptions> {
  readonly name: RepairDefenseName;
  repair(model: tf.LayersModel, trusted: ImageDataset, options: O): Promise<RepairResult>;
}

export interface Detector<O extends DefenseOptions = DefenseOptions> {
  readonly name: DetectorName;
  detect(model: tf.LayersModel, trusted: ImageDataset, options: O): Promise<DetectResult>;
}
