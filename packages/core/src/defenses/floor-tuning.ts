/**
 * The fine-tuning loop every repair shares: train a working copy, score it on the held-out trusted
 * split at every evaluation, and return the latest checkpoint that keeps the accuracy floor (never
 * weights below it). Every choice uses only the held-out split, as an honest defense must.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../datasets/image-dataset.ts';
import { isAntidoteError, throwIfAborted } from '../errors.ts';
import { predictClasses } from '../metrics/metrics.ts';
import type { AugmentOptions } from '../training/batches.ts';
import { type LossFunction, type ReplicaLoss, type TrainOptions, trainModel } from '../training/train.ts';
import { kernelVariables, withWeightDecay } from '../training/weight-decay.ts';
import { type PhaseCheckpointing, resumedBestWeights, trainingCheckpointOptions } from './checkpoint.ts';
import { type HeldOutReference, validationAccuracy } from './common.ts';
import { compareHeldOut, type HeldOutComparison, withinBudget } from './held-out.ts';
import type { DefenseOptions, DefenseProgress } from './types.ts';

async function report(options: DefenseOptions, progress: DefenseProgress): Promise<void> {
  await options.onProgress?.(progress);
}
/**
 * Standard errors of held-out noise every repair's checkpoint may exceed its budget by: ~120
 * held-out images judge a 2-point budget with about as much paired noise as the budget itself,
 * and the point estimate alone rejected checkpoints that kept the budget on the test set
 * (docs/method.md#held-out-noise).
 */
export const DEFAULT_BUDGET_TOLERANCE = 1;

/** How far below the floor held-out accuracy may fall before tuning is abandoned as collapsed. */
export const COLLAPSE_MARGIN = 0.15;

export interface FloorTuning {
  /** Progress phase name. */
  phase: string;
  steps: number;
  batchSize: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  evaluateEvery: number;
  /** Validation accuracy the returned weights must keep. */
  floor: number;
  /** Validation accuracy of the model as handed in (its weights are the first "last good" ones). */
  startAccuracy: number;
  loss: LossFunction;
  /**
   * How compute threads rebuild `loss` (without the weight decay, which is added here and there
   * alike); with it and the caller's `pool`, each step is split across the threads.
   */
  replicaLoss?: ReplicaLoss;
  updateMask?: TrainOptions['updateMask'];
  /** Seed offset so two tuning phases of one defense do not draw the same batches. */
  seedOffset?: number;
  /** Checkpoints of this phase and/or the snapshot to resume it from (see checkpoint.ts). */
  checkpoint?: PhaseCheckpointing;
  /** SGD with Nesterov momentum unless told otherwise. */
  optimizer?: 'sgd' | 'adam';
  /** Learning-rate warm-up share and cosine decay (trainModel's), off unless set. */
  warmupFraction?: number;
  cosineDecay?: boolean;
  augment?: AugmentOptions;
  /** The variables to train; all of the model's trainable weights unless set. */
  variables?: tf.Variable[];
  /** Distance below the floor that counts as a collapse; COLLAPSE_MARGIN unless set. */
  collapseMargin?: number;
  /** A collapse is judged only after this phase step (a re-initialised head starts at chance). */
  collapseAfterStep?: number;
  /**
   * Weights returned when no checkpoint respects the floor; the weights `working` starts with
   * unless set (PT starts from a re-initialised head, so it falls back to the suspect's weights).
   * Copied; the caller keeps ownership.
   */
  fallbackWeights?: readonly tf.Tensor[];
  /** Return the final weights instead of the latest within the floor, unless training collapsed. */
  keepFinal?: boolean;
  /**
   * Also hand back, as `keptFinalWeights`, copies of the weights `keepFinal` would have returned:
   * the training path does not depend on `keepFinal`, so one run serves both selections.
   */
  captureKeepFinal?: boolean;
  /**
   * Called at every evaluation with the weights just scored; its figures join the checkpoint's
   * record (e.g. a known attack's success on held-out trusted images, for the trade-off frontier).
   */
  inspectCheckpoint?: CheckpointInspector;
  /**
   * Experimental: average the weights of every evaluated checkpoint after this phase step and
   * offer the average as the run's last checkpoint.
   */
  averageFrom?: number;
  /**
   * The suspect's held-out predictions: with them each checkpoint's drop is judged image by image
   * against the budget (`reference.accuracy - floor`), allowing `tolerance` standard errors of noise.
   */
  reference?: HeldOutReference;
  /** Standard errors of held-out noise a checkpoint's drop may exceed the budget by (default 0). */
  tolerance?: number;
}

/** Extra figures about a checkpoint; it must not change the model. */
export type CheckpointInspector = (
  model: tf.LayersModel,
  checkpoint: { phase: string; step: number; validationAccuracy: number },
) => Promise<Record<string, number>> | Record<string, number>;

/** One evaluated checkpoint of a tuning run. */
export interface CheckpointRecord {
  phase: string;
  step: number;
  validationAccuracy: number;
  /** Whether it kept the floor (only those can be returned). */
  withinFloor: boolean;
  /** Paired comparison with the suspect on the held-out images, when a reference was given. */
  heldOut?: HeldOutComparison;
  metrics: Record<string, number>;
}

export interface FloorTuningOutcome {
  /** Training steps behind the returned weights (the last checkpoint that respected the floor). */
  steps: number;
  /** Validation accuracy of the returned weights. */
  accuracy: number;
  /** True when accuracy collapsed far below the floor (or training diverged) and training stopped there. */
  stoppedEarly: boolean;
  /** True when the loss became NaN or infinite. */
  diverged: boolean;
  /** The phase step a resumed run continued from. */
  resumedFromStep?: number;
  /** Phase steps actually trained (fewer than planned after a collapse). */
  stepsRun: number;
  /** With `captureKeepFinal`: the weights `keepFinal` would have returned, owned by the caller. */
  keptFinalWeights?: tf.Tensor[];
  /** Every evaluated checkpoint of this call, in order. */
  checkpoints: CheckpointRecord[];
}

/** trainModel reports a NaN/infinite loss as INVALID_INPUT with this wording. */
function isDivergence(error: unknown): boolean {
  return isAntidoteError(error, 'INVALID_INPUT') && /diverged/.test(error.message);
}

/**
 * SGD (Nesterov momentum) training of `working` in place, evaluated on `validation` every
 * `evaluateEvery` steps. The result is the LATEST checkpoint at or above the floor (the suspect's
 * weights when none is), so it never breaks the accuracy budget. Training goes on through dips
 * below the floor and stops early only on a collapse (COLLAPSE_MARGIN below it) or divergence:
 * with 1% trusted data the floor is judged on ~120 images (+-2.7 points of noise), and stopping at
 * the first dip returned the untouched suspect on Fashion-MNIST (measured with bench:efficacy).
 * A caller's cancellation throws CANCELLED; the caller still owns (and must dispose) `working`.
 */
export async function tuneWithinFloor(
  working: tf.LayersModel,
  fit: ImageDataset,
  validation: ImageDataset,
  settings: FloorTuning,
  options: DefenseOptions,
): Promise<FloorTuningOutcome> {
  throwIfAborted(options.signal);
  if (settings.steps <= 0) {
    if (settings.fallbackWeights) working.setWeights([...settings.fallbackWeights]);
    return {
      steps: 0,
      accuracy: settings.startAccuracy,
      stoppedEarly: false,
      diverged: false,
      stepsRun: 0,
      checkpoints: [],
      ...(settings.captureKeepFinal ? { keptFinalWeights: working.getWeights().map((w) => tf.clone(w)) } : {}),
    };
  }
  let lastGood: tf.Tensor[] = (settings.fallbackWeights ?? working.getWeights()).map((w) => tf.clone(w));
  const collapseMargin = settings.collapseMargin ?? COLLAPSE_MARGIN;
  const inspect = settings.inspectCheckpoint ?? options.inspectCheckpoint;
  let stepsRun = settings.steps;
  let evaluatedStep = 0;
  let lastGoodStep = 0;
  let accuracy = settings.startAccuracy;
  let diverged = false;
  const checkpoints: CheckpointRecord[] = [];
  const judge = async (model: tf.LayersModel) => {
    if (!settings.reference) {
      const accuracy = await validationAccuracy(model, validation);
      return { accuracy, within: accuracy >= settings.floor, heldOut: null };
    }
    const heldOut = compareHeldOut(settings.reference.predictions, await predictClasses(model, validation), validation.labels);
    const budget = settings.reference.accuracy - settings.floor;
    return {
      accuracy: heldOut.accuracy,
      within: withinBudget(heldOut, budget, settings.tolerance ?? options.budgetTolerance ?? DEFAULT_BUDGET_TOLERANCE),
      heldOut,
    };
  };
  let average: tf.Tensor[] | null = null;
  let averaged = 0;
  const resume = settings.checkpoint?.resume;
  if (resume) {
    try {
      const best = await resumedBestWeights(resume);
      if (best) {
        for (const w of lastGood) w.dispose();
        lastGood = best;
      }
    } catch (error) {
      for (const w of lastGood) w.dispose();
      throw error;
    }
    lastGoodStep = resume.bestStep;
    accuracy = resume.bestAccuracy;
  }
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  try {
    await trainModel(working, fit, {
      batchSize: Math.min(settings.batchSize, fit.labels.length),
      steps: settings.steps,
      optimizer: settings.optimizer ?? 'sgd',
      learningRate: settings.learningRate,
      momentum: settings.momentum,
      ...(settings.warmupFraction !== undefined ? { warmupFraction: settings.warmupFraction } : {}),
      ...(settings.cosineDecay !== undefined ? { cosineDecay: settings.cosineDecay } : {}),
      ...(settings.augment ? { augment: settings.augment } : {}),
      ...(settings.variables ? { variables: settings.variables } : {}),
      seed: (options.seed + (settings.seedOffset ?? 0)) >>> 0,
      loss:
        settings.weightDecay > 0 ? withWeightDecay(settings.loss, kernelVariables(working), settings.weightDecay) : settings.loss,
      ...(options.pool && settings.replicaLoss
        ? {
            pool: options.pool,
            replicaLoss:
              settings.weightDecay > 0 ? { ...settings.replicaLoss, weightDecay: settings.weightDecay } : settings.replicaLoss,
          }
        : {}),
      ...(settings.updateMask ? { updateMask: settings.updateMask } : {}),
      ...trainingCheckpointOptions(settings.checkpoint, () => ({ step: lastGoodStep, accuracy, weights: lastGood })),
      signal,
      progressEvery: settings.evaluateEvery,
      evaluateEvery: settings.evaluateEvery,
      evaluate: async (step) => {
        evaluatedStep = step;
        const judged = await judge(working);
        const current = judged.accuracy;
        const inspected = inspect ? await inspect(working, { phase: settings.phase, step, validationAccuracy: current }) : {};
        checkpoints.push({
          phase: settings.phase,
          step,
          validationAccuracy: current,
          withinFloor: judged.within,
          metrics: inspected,
          ...(judged.heldOut ? { heldOut: judged.heldOut } : {}),
        });
        if (settings.averageFrom !== undefined && step > settings.averageFrom) {
          const weights = working.getWeights();
          const previous = average;
          averaged += 1;
          average = previous
            ? tf.tidy(() => previous.map((a, i) => tf.add(a, tf.div(tf.sub(weights[i]!, a), averaged))))
            : weights.map((w) => tf.clone(w));
          if (previous) tf.dispose(previous);
        }
        if (judged.within) {
          for (const w of lastGood) w.dispose();
          lastGood = working.getWeights().map((w) => tf.clone(w));
          lastGoodStep = step;
          accuracy = current;
        } else if (current < settings.floor - collapseMargin && step > (settings.collapseAfterStep ?? 0)) {
          stepsRun = step;
          stop.abort(new Error('validation accuracy collapsed'));
        }
        return { validationAccuracy: current, floor: settings.floor, chosenStep: lastGoodStep, ...inspected };
      },
      onProgress: (p) =>
        report(options, {
          phase: settings.phase,
          step: p.step,
          totalSteps: p.totalSteps,
          metrics: { loss: p.loss, ...p.metrics },
        }),
    });
  } catch (error) {
    // Our own floor stop is a normal end, and so is divergence: a NaN model is just a checkpoint
    // below the floor (NAD relies on this to back off from a too-large beta). A caller's
    // cancellation or any other failure is not.
    diverged = !options.signal?.aborted && isDivergence(error);
    if (diverged) stepsRun = evaluatedStep;
    if (!(stop.signal.aborted || diverged) || options.signal?.aborted) {
      for (const w of lastGood) w.dispose();
      throwIfAborted(options.signal);
      throw error;
    }
  }
  const stoppedEarly = stop.signal.aborted || diverged;
  let averageKept = false;
  if (average && !stoppedEarly) {
    const final = working.getWeights().map((w) => tf.clone(w));
    working.setWeights(average);
    const current = await validationAccuracy(working, validation);
    const inspected = inspect
      ? await inspect(working, {
          phase: `${settings.phase}-average`,
          step: stepsRun,
          validationAccuracy: current,
        })
      : {};
    checkpoints.push({
      phase: `${settings.phase}-average`,
      step: stepsRun,
      validationAccuracy: current,
      withinFloor: current >= settings.floor,
      metrics: inspected,
    });
    if (current >= settings.floor || settings.keepFinal) {
      for (const w of lastGood) w.dispose();
      lastGood = average;
      lastGoodStep = stepsRun;
      accuracy = current;
      averageKept = true;
    } else {
      tf.dispose(average);
    }
    working.setWeights(final);
    tf.dispose(final);
  } else if (average) {
    tf.dispose(average);
  }
  const keptFinalWeights = settings.captureKeepFinal
    ? (stoppedEarly ? lastGood : working.getWeights()).map((w) => tf.clone(w))
    : undefined;
  if (settings.keepFinal && !stoppedEarly && !averageKept) {
    lastGoodStep = stepsRun;
    accuracy = await validationAccuracy(working, validation);
  } else {
    working.setWeights(lastGood);
  }
  for (const w of lastGood) w.dispose();
  return {
    steps: lastGoodStep,
    accuracy,
    stoppedEarly,
    diverged,
    stepsRun,
    checkpoints,
    ...(resume ? { resumedFromStep: resume.training.step } : {}),
    ...(keptFinalWeights ? { keptFinalWeights } : {}),
  };
}
