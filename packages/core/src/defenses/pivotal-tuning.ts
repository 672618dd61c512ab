/**
 * Pivotal Tuning (PT) repair: fine-tune a copy of the suspect model on the trusted data while a
 * frozen copy (the pivot) anchors it: cross-entropy on trusted labels (the pivot's own answers
 * when the trusted set has no labels) + SLOL on penultimate features + a parameter budget,
 * plus terms of our own: distillation from the pivot on clean and on mixed images, random noise
 * patches only the working model sees, a cosine term that moves the head off the pivot's, and a
 * full-image noise blend when the suspect shows a blend backdoor's symptom.
 * Checkpoints are scored on the held-out trusted split; the result is the LATEST checkpoint whose
 * accuracy drop is within the budget (the furthest from the backdoor that still keeps clean
 * accuracy): fine-tuning often dips below the floor in its first steps and then recovers.
 * Why each default is what it is: docs/method.md#pivotal-tuning and
 * docs/method.md#repair-on-well-trained-victims.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../datasets/image-dataset.ts';
import { AntidoteError } from '../errors.ts';
import { layerVariable, splitAtPenultimate } from '../models/features.ts';
import { assertModelFitsDataset, cloneModel } from '../models/model-io.ts';
import { labelWithModel } from '../models/pseudo-labels.ts';
import type { AugmentOptions } from '../training/batches.ts';
import { trainableVariables } from '../training/train.ts';
import {
  checkResume,
  checkTotalSteps,
  type PhaseCheckpointing,
  phaseCheckpointing,
  phaseFromJson,
  stateString,
} from './checkpoint.ts';
import { type HeldOutReference, heldOutReference, splitTrusted } from './common.ts';
import { type CheckpointRecord, type FloorTuningOutcome, tuneWithinFloor } from './floor-tuning.ts';
import { noiseSensitivity } from './noise-patches.ts';
import { PIVOTAL_TUNING_LOSS, type PivotalLossSettings, pivotalTuningLoss } from './pivotal-tuning-loss.ts';
import type { SlolSign } from './slol.ts';
import type { DefenseOptions, RepairDefense, RepairResult } from './types.ts';

/**
 * Which recipe a run trains with: the suspect's own head tuned gently under strong distillation
 * ('pivot-head', the default), or a re-initialised head tuned harder ('fresh-head', the defaults
 * before well-trained victims were measured: fewer backdoor leftovers on weakly trained models,
 * about 5 points of clean accuracy on well-trained ones). Options given explicitly override the
 * recipe's. No measurement of the suspect chooses between them yet
 * (docs/method.md#choosing-the-recipe-from-the-suspect).
 */
export type PivotalTuningRecipe = 'pivot-head' | 'fresh-head';

/** The settings a recipe (or a retry) decides. */
export type RecipeSettings = Pick<
  PivotalTuningOptions,
  | 'headInit'
  | 'learningRate'
  | 'lambdaDistill'
  | 'lambdaHeadShift'
  | 'noisePatches'
  | 'distillMixup'
  | 'mixupGate'
  | 'strictBudget'
>;

export interface PivotalTuningOptions extends DefenseOptions {
  recipe?: PivotalTuningRecipe;
  steps?: number;
  batchSize?: number;
  optimizer?: 'sgd' | 'adam';
  learningRate?: number;
  lambdaSlol?: number;
  /**
   * Weight of sum((theta - theta0)^2) / N, on the reference code's scale: it is multiplied by
   * N / 11.17M (the CIFAR ResNet-18 the reference tuned it on) so the per-parameter pull is the
   * same for any model size (unscaled, a small CNN could not move away from the backdoor at all).
   */
  lambdaParam?: number;
  slolSign?: SlolSign;
  /**
   * Use the trusted labels; false ignores them and learns the pivot's own answers on the trusted
   * images instead (for clean images nobody labelled). The held-out figures then measure agreement
   * with the suspect, not accuracy, so the budget bounds how many clean answers may change: a
   * clean-accuracy drop can never exceed that share.
   */
  useLabels?: boolean;
  /**
   * Allowed drop of held-out trusted accuracy (fraction, 0.02 = 2 points) for the returned
   * checkpoint; without labels, of agreement with the suspect (default UNLABELLED_AGREEMENT_BUDGET).
   */
  accuracyBudget?: number;
  /** Stop when held-out accuracy falls this far below the floor (a collapse, not noise). */
  collapseMargin?: number;
  evaluateEvery?: number;
  /**
   * Which weights to return: the latest checkpoint within the accuracy budget (repair), or the
   * final weights unless training collapsed (a reference model for trigger inversion).
   */
  select?: 'latest-within-budget' | 'final';
  /**
   * Also return `finalReference`: the model a `select: 'final'` run with the same options and seed
   * returns (Calibrated Trigger Inversion's reference), taken from this run's first attempt, whose
   * training path does not depend on `select`. Repair and detection then train once whatever
   * checkpoint or retry the repair keeps ("cache it: repair and detection share it", method.md).
   */
  withFinalReference?: boolean;
  /** Augmentation while tuning; defaults to the dataset's (crop with padding, flips where allowed). */
  augment?: AugmentOptions;
  /**
   * How the classification head starts: the pivot's weights, or re-initialised (Glorot uniform,
   * zero bias). A re-initialised head forgets the pivot's mapping from trigger features to the
   * target class; clean trusted data teaches the mapping of clean features back, and nothing
   * teaches the trigger's (it never occurs in trusted data).
   */
  headInit?: 'pivot' | 'random';
  /**
   * Weight of cos(head kernel, pivot's head kernel) in the loss: pushes the head's geometry away
   * from the pivot's, so feature directions only the trigger excites stop voting for the target
   * (the head re-learns clean directions through CE; nothing keeps the trigger's). Bounded, unlike
   * an inner product, so it cannot run away.
   */
  lambdaHeadShift?: number;
  /**
   * Weight of soft cross-entropy to the pivot's softmax on the trusted images (added to CE on
   * labels): the pivot is right on clean images, so it passes on its clean knowledge beyond the
   * 480 labels and keeps clean accuracy up while the head moves away.
   */
  lambdaDistill?: number;
  /**
   * When the first run keeps no checkpoint within the accuracy budget, a second run with these
   * settings over the first's (null: no second run): stronger distillation, or the suspect's own
   * head after a fresh one, holds clean accuracy up.
   */
  retry?: RecipeSettings | null;
  /**
   * When no earlier run keeps a checkpoint within budget and the head was re-initialised, a last
   * run that keeps the pivot's head: a head that starts right on clean images stays within a
   * tight budget where a new head cannot climb back in time.
   */
  pivotHeadFallback?: boolean;
  /**
   * Share of each batch the working model sees with random noise patches (`stampNoisePatches`),
   * labels kept, while distillation and SLOL compare it with the pivot on the clean image: the
   * repaired model learns to answer as the pivot does whatever small patch is present, which
   * leaves a patch trigger nothing to hold on to.
   */
  noisePatches?: number;
  /**
   * Share of each batch the working model sees blended with full-image noise (`blendNoise`,
   * opacity 0.1-0.3), labels kept, the pivot again on the clean image; 'auto' (default) blends
   * 0.25 when the suspect's `noiseSensitivity` on the trusted images reaches 0.5 and 0 otherwise:
   * the gate is the suspect's own symptom, no knowledge of the attack. Not for every model: it
   * costs about a point of clean accuracy.
   */
  noiseBlend?: number | 'auto';
  /**
   * Weight of distillation from the pivot on mixed pairs of batch images: it carries the pivot's
   * clean behaviour between the trusted images, where 480 labels say nothing.
   */
  distillMixup?: number;
  /**
   * Which mixed pairs the mixup distillation learns from: every pair ('none'), or only those the
   * pivot answers with one of the two source images' labels ('source-labels'). The pivot is
   * trusted on clean images, not on blends of two: a backdoor whose trigger a blend resembles
   * (a warp) fires there, and distilling that answer teaches the trigger's class everywhere.
   */
  mixupGate?: 'none' | 'source-labels';
  /**
   * Judge this run's checkpoints by the held-out drop itself, without the standard error of noise
   * `budgetTolerance` otherwise allows: for a recipe that moves the model far (a new head at a high
   * learning rate), the tolerance admits real costs of 4-5 points on a 2-point budget.
   */
  strictBudget?: boolean;
  /** Experimental: average the weights of the checkpoints after this share of the steps. */
  averageFrom?: number;
  /** Experimental: softmax temperature of the distillation terms. */
  distillTemperature?: number;
}

/**
 * Defaults for well-trained and weak victims alike (docs/method.md#repair-on-well-trained-victims):
 * keep the suspect's head and tune gently (learning rate 0.02) under strong distillation from the
 * pivot, on clean images and on mixed pairs of them, while every image the working model sees
 * carries random noise patches. Chosen on the tuning set (BadNets and Blend, seed 1, small-cnn on
 * 59,000 images and tiny-cnn on 10,000); judged on held-out attacks and seeds.
 */
export const PIVOTAL_TUNING_DEFAULTS = {
  recipe: 'pivot-head',
  steps: 600,
  batchSize: 128,
  optimizer: 'sgd',
  learningRate: 0.02,
  lambdaSlol: 0.05,
  lambdaParam: 0,
  slolSign: 'align',
  useLabels: true,
  accuracyBudget: 0.02,
  // A re-initialised head starts at chance and climbs, so with one a collapse is judged only in
  // the second half of the run, and only a fall far below the floor counts.
  collapseMargin: 0.5,
  evaluateEvery: 25,
  select: 'latest-within-budget',
  headInit: 'pivot',
  lambdaHeadShift: 0.5,
  lambdaDistill: 2,
  retry: { lambdaHeadShift: 0.5, lambdaDistill: 4 },
  pivotHeadFallback: false,
  noisePatches: 1,
  noiseBlend: 'auto',
  distillMixup: 2,
  mixupGate: 'none',
  strictBudget: false,
  distillTemperature: 1,
  averageFrom: 1,
} as const satisfies Required<Omit<PivotalTuningOptions, keyof DefenseOptions | 'augment' | 'withFinalReference'>>;

/** The settings of the 'pivot-head' recipe's runs: the defaults above. */
const PIVOT_HEAD_SETTINGS = {
  headInit: PIVOTAL_TUNING_DEFAULTS.headInit,
  learningRate: PIVOTAL_TUNING_DEFAULTS.learningRate,
  lambdaDistill: PIVOTAL_TUNING_DEFAULTS.lambdaDistill,
  lambdaHeadShift: PIVOTAL_TUNING_DEFAULTS.lambdaHeadShift,
  noisePatches: PIVOTAL_TUNING_DEFAULTS.noisePatches,
  distillMixup: PIVOTAL_TUNING_DEFAULTS.distillMixup,
  mixupGate: PIVOTAL_TUNING_DEFAULTS.mixupGate,
  strictBudget: PIVOTAL_TUNING_DEFAULTS.strictBudget,
} as const satisfies RecipeSettings;

/** The 'pivot-head' recipe: the defaults above, retried with stronger distillation. */
export const PIVOT_HEAD_RECIPE = {
  ...PIVOT_HEAD_SETTINGS,
  retry: PIVOTAL_TUNING_DEFAULTS.retry,
} as const satisfies RecipeSettings & Pick<PivotalTuningOptions, 'retry'>;

/**
 * The 'fresh-head' recipe, the repair's defaults before well-trained victims were measured: a
 * re-initialised head at learning rate 0.05 with light distillation, half the batch patched,
 * judged strictly (`strictBudget`); when it keeps nothing within the budget, a pivot-head run.
 */
export const FRESH_HEAD_RECIPE = {
  headInit: 'random',
  learningRate: 0.05,
  lambdaDistill: 0.3,
  lambdaHeadShift: 0.5,
  noisePatches: 0.5,
  distillMixup: 0,
  mixupGate: 'none',
  strictBudget: true,
  retry: PIVOT_HEAD_SETTINGS,
} as const satisfies RecipeSettings & Pick<PivotalTuningOptions, 'retry'>;

/**
 * The recipe Calibrated Trigger Inversion's reference repair trains with (select 'final'): the
 * earlier repair defaults, with a re-initialised head, which CTI's thresholds were calibrated on.
 * Pinned so that changing the repair's defaults cannot move detection.
 */
export const TRIGGER_INVERSION_REFERENCE_TUNING = {
  recipe: 'fresh-head',
  strictBudget: false,
  headInit: 'random',
  learningRate: 0.05,
  lambdaDistill: 0.3,
  noisePatches: 0.5,
  distillMixup: 0,
} as const satisfies Partial<PivotalTuningOptions>;

function recipeSettings(recipe: PivotalTuningRecipe) {
  return recipe === 'fresh-head' ? FRESH_HEAD_RECIPE : PIVOT_HEAD_RECIPE;
}

/**
 * The default budget without labels, on held-out agreement with the suspect: a repair changes
 * more answers than it loses accuracy (it also fixes some of the suspect's mistakes), and at
 * `accuracyBudget`'s 2 points of agreement every tuning and held-out victim came back unchanged.
 * Chosen on the tuning victims over 3% and 5% (docs/method.md#less-and-unlabelled-trusted-data).
 */
export const UNLABELLED_AGREEMENT_BUDGET = 0.05;

/** Noise blend share when `noiseBlend` is 'auto' and the suspect's noise sensitivity reaches the gate. */
export const NOISE_BLEND_AUTO = { fraction: 0.25, gate: 0.5 } as const;

/** Parameter count of the CIFAR PreAct-ResNet-18 the reference code's lambda_param was tuned on. */
export const REFERENCE_PARAMETER_COUNT = 11_173_962;

/** The loss terms one attempt of PT trains with (a retry strengthens two of them). */
type AttemptSettings = Required<
  Omit<
    PivotalTuningOptions,
    keyof DefenseOptions | 'augment' | 'retry' | 'pivotHeadFallback' | 'noiseBlend' | 'withFinalReference' | 'recipe'
  >
> & { noiseBlend: number };

/** One progress and checkpoint phase per run; a run's checkpoint steps start at its index x steps. */
const PHASES = ['repair', 'repair-retry', 'repair-pivot-head'] as const;
export type PivotalTuningPhase = (typeof PHASES)[number];

export interface PlannedRun {
  phase: PivotalTuningPhase;
  /** Why the run exists, in the user's words (progress messages, reports). */
  purpose: string;
}

/**
 * The runs a repair with these options may make, in order: each later run starts only when every
 * run before it kept no checkpoint within the budget. Progress plans and reports read it.
 */
export function pivotalTuningRuns(
  options: Pick<PivotalTuningOptions, 'select' | 'retry' | 'pivotHeadFallback' | 'headInit' | 'useLabels'>,
): PlannedRun[] {
  const settings = { ...PIVOTAL_TUNING_DEFAULTS, ...options };
  // Without labels the held-out figures are agreement with the suspect, and that is what a run holds.
  const held = settings.useLabels ? 'clean accuracy' : 'agreement with the suspect';
  const runs: PlannedRun[] = [{ phase: 'repair', purpose: 'the repair' }];
  // Later runs only exist to find something within budget, so a 'final' selection has none.
  if (settings.select !== 'latest-within-budget') return runs;
  if (settings.retry)
    runs.push({
      phase: 'repair-retry',
      purpose:
        'headInit' in settings.retry && settings.retry.headInit === 'pivot' && settings.headInit === 'random'
          ? `a second run that keeps the model's own head to hold ${held}`
          : `a second run with stronger distillation to hold ${held}`,
    });
  if (settings.pivotHeadFallback && settings.headInit !== 'pivot') {
    runs.push({ phase: 'repair-pivot-head', purpose: "a last run that keeps the model's own head to stay within the budget" });
  }
  return runs;
}

function attemptSettings(
  phase: PivotalTuningPhase,
  settings: AttemptSettings & Pick<PivotalTuningOptions, 'retry'>,
): AttemptSettings {
  if (phase === 'repair-retry' && settings.retry) return { ...settings, ...settings.retry };
  if (phase === 'repair-pivot-head') return { ...settings, headInit: 'pivot' };
  return settings;
}

export async function pivotalTuning(
  model: tf.LayersModel,
  trusted: ImageDataset,
  options: PivotalTuningOptions,
): Promise<RepairResult & { finalReference?: tf.LayersModel; checkpoints: CheckpointRecord[] }> {
  const started = performance.now();
  const unlabelled = options.useLabels === false;
  // Without labels the suspect's own answers stand in, so the recipe tuned on labelled data applies
  // unchanged: the pivot is right on most clean images, and where it is wrong nothing better is known.
  const { fit, validation } = splitTrusted(unlabelled ? await labelWithModel(model, trusted) : trusted, options);
  // Checked before the copies exist, so a rejected model or checkpoint leaks nothing.
  splitAtPenultimate(model);
  assertModelFitsDataset(model, trusted);
  const reference = await heldOutReference(model, validation);
  const accuracyBefore = reference.accuracy;
  const recipe = options.recipe ?? PIVOTAL_TUNING_DEFAULTS.recipe;
  const requested = {
    ...PIVOTAL_TUNING_DEFAULTS,
    ...recipeSettings(recipe),
    ...options,
    accuracyBudget: options.accuracyBudget ?? (unlabelled ? UNLABELLED_AGREEMENT_BUDGET : PIVOTAL_TUNING_DEFAULTS.accuracyBudget),
  };
  const resumeFrom = checkResume(options.resumeFrom, 'pivotal-tuning');
  checkTotalSteps(resumeFrom, requested.steps);
  const resumePhase = resumeFrom ? stateString(resumeFrom.state, 'phase') : null;
  if (resumePhase !== null && !(PHASES as readonly string[]).includes(resumePhase)) {
    throw new AntidoteError('CORRUPT_FILE', `The Pivotal Tuning checkpoint names an unknown phase "${resumePhase}".`);
  }
  if (typeof requested.noiseBlend === 'number' && !(requested.noiseBlend >= 0 && requested.noiseBlend <= 1)) {
    throw new AntidoteError('INVALID_INPUT', `noiseBlend must be 'auto' or a share in [0, 1], got ${requested.noiseBlend}.`);
  }
  // Deterministic (seeded), so a resumed run and CTI's select-final reference decide the same.
  const sensitivity = requested.noiseBlend === 'auto' ? noiseSensitivity(model, fit, options.seed) : null;
  const settings = {
    ...requested,
    noiseBlend:
      sensitivity === null
        ? (requested.noiseBlend as number)
        : sensitivity.share >= NOISE_BLEND_AUTO.gate
          ? NOISE_BLEND_AUTO.fraction
          : 0,
  };
  const attempts = pivotalTuningRuns(settings).map(({ phase }) => ({ phase, settings: attemptSettings(phase, settings) }));

  const floor = accuracyBefore - settings.accuracyBudget;
  // A checkpoint of a later run means every run before it kept nothing within budget.
  const firstAttempt = resumePhase === null ? 0 : attempts.findIndex((a) => a.phase === resumePhase);
  if (firstAttempt < 0) {
    throw new AntidoteError(
      'INVALID_INPUT',
      `The checkpoint was taken in Pivotal Tuning's "${resumePhase}" run, which these options turn off; resume with the same options.`,
    );
  }
  // The frozen copy every attempt is anchored to; the suspect itself is never trained.
  const pivot = await cloneModel(model);
  let outcome: FloorTuningOutcome | null = null;
  let working: tf.LayersModel | null = null;
  let finalReference: tf.LayersModel | null = null;
  let kept = firstAttempt;
  const checkpoints: CheckpointRecord[] = [];
  try {
    for (; kept < attempts.length; kept++) {
      working?.dispose();
      working = await cloneModel(model);
      const { phase, settings: attempt } = attempts[kept]!;
      // A later run is announced before its first step, so one that collapses at once is still
      // seen to run (the first run, and a resumed one, report from their own steps).
      if (kept > firstAttempt) await options.onProgress?.({ phase, step: 0, totalSteps: settings.steps });
      const checkpoint = phaseCheckpointing({
        defense: 'pivotal-tuning',
        phase,
        offset: PHASES.indexOf(phase) * settings.steps,
        totalSteps: settings.steps,
        options,
        ...(resumeFrom && kept === firstAttempt ? { resume: phaseFromJson(resumeFrom.state, resumeFrom.files) } : {}),
      });
      // A resumed first run did not train its whole path here, so it offers no reference.
      const captureReference = requested.withFinalReference === true && kept === 0 && resumeFrom === undefined;
      outcome = await tuneAttempt(pivot, working, fit, validation, attempt, {
        phase,
        floor,
        startAccuracy: accuracyBefore,
        reference,
        checkpoint,
        options,
        captureKeepFinal: captureReference,
      });
      checkpoints.push(...outcome.checkpoints);
      if (outcome.keptFinalWeights) {
        const weights = outcome.keptFinalWeights;
        try {
          finalReference = await cloneModel(model);
          finalReference.setWeights(weights);
        } finally {
          tf.dispose(weights);
        }
      }
      // Something within budget, or no run left: this one is the result.
      if (outcome.steps > 0 || kept === attempts.length - 1) break;
    }
  } catch (error) {
    working?.dispose();
    finalReference?.dispose();
    throw error;
  } finally {
    pivot.dispose();
  }
  if (!working || !outcome) throw new AntidoteError('INTERNAL', 'Pivotal Tuning ran no attempt.');
  return {
    model: working,
    defense: 'pivotal-tuning',
    validationAccuracyBefore: accuracyBefore,
    validationAccuracyAfter: outcome.accuracy,
    steps: outcome.steps,
    seconds: (performance.now() - started) / 1000,
    parameters: {
      recipe,
      steps: settings.steps,
      batchSize: settings.batchSize,
      optimizer: settings.optimizer,
      learningRate: settings.learningRate,
      lambdaSlol: settings.lambdaSlol,
      lambdaParam: settings.lambdaParam,
      lambdaParamEffective: effectiveLambdaParam(settings.lambdaParam, model),
      slolSign: settings.slolSign,
      headInit: attempts[kept]!.settings.headInit,
      lambdaHeadShift: attempts[kept]!.settings.lambdaHeadShift,
      lambdaDistill: attempts[kept]!.settings.lambdaDistill,
      noisePatches: settings.noisePatches,
      noiseBlend: settings.noiseBlend,
      ...(sensitivity ? { noiseSensitivity: sensitivity.share, noiseSensitivityClass: sensitivity.toClass } : {}),
      useLabels: settings.useLabels,
      heldOutMetric: unlabelled ? 'agreement' : 'accuracy',
      accuracyBudget: settings.accuracyBudget,
      select: settings.select,
      attempts: kept + 1,
      keptRun: attempts[kept]!.phase,
      stepsRun: outcome.stepsRun,
      stoppedEarly: outcome.stoppedEarly,
      ...(resumeFrom ? { resumedFromStep: resumeFrom.step } : {}),
      validationImages: validation.labels.length,
      fitImages: fit.labels.length,
    },
    checkpoints,
    ...(finalReference ? { finalReference } : {}),
  };
}

function effectiveLambdaParam(lambdaParam: number, model: tf.LayersModel): number {
  const parameterCount = trainableVariables(model).reduce((n, v) => n + v.size, 0);
  return (lambdaParam * parameterCount) / REFERENCE_PARAMETER_COUNT;
}

/**
 * One PT run on `working` (a fresh copy of the suspect): re-initialise the head if asked, then
 * tune against the pivot (a frozen copy of the suspect) with the floor rule of every repair.
 * Leaves in `working` the latest checkpoint within the floor, the suspect's own weights when
 * there is none.
 */
async function tuneAttempt(
  pivot: tf.LayersModel,
  working: tf.LayersModel,
  fit: ImageDataset,
  validation: ImageDataset,
  settings: AttemptSettings,
  run: {
    phase: string;
    floor: number;
    startAccuracy: number;
    reference: HeldOutReference;
    checkpoint: PhaseCheckpointing | undefined;
    options: PivotalTuningOptions;
    captureKeepFinal: boolean;
  },
): Promise<FloorTuningOutcome> {
  const { options } = run;
  const variables = trainableVariables(working);
  const head = splitAtPenultimate(working).head;
  const headKernel = layerVariable(head, 'kernel');
  const headBias = layerVariable(head, 'bias');
  const reinitializeHead = settings.headInit === 'random';
  if (reinitializeHead && headKernel) {
    tf.tidy(() => {
      headKernel.assign(tf.initializers.glorotUniform({ seed: options.seed }).apply(headKernel.shape));
      headBias?.assign(tf.zerosLike(headBias));
    });
  }
  const lossSettings: PivotalLossSettings = {
    numClasses: fit.classNames.length,
    seed: options.seed,
    noisePatches: settings.noisePatches,
    noiseBlend: settings.noiseBlend,
    lambdaDistill: settings.lambdaDistill,
    distillTemperature: settings.distillTemperature,
    distillMixup: settings.distillMixup,
    mixupGate: settings.mixupGate,
    lambdaSlol: settings.lambdaSlol,
    slolSign: settings.slolSign,
    lambdaHeadShift: settings.lambdaHeadShift,
    lambdaParam: effectiveLambdaParam(settings.lambdaParam, working),
    reinitializeHead,
  };
  // The suspect's own weights (not a re-initialised head) are the fallback when nothing stays in budget.
  const suspectWeights = pivot.getWeights();
  return tuneWithinFloor(
    working,
    fit,
    validation,
    {
      phase: run.phase,
      steps: settings.steps,
      batchSize: settings.batchSize,
      optimizer: settings.optimizer,
      learningRate: settings.learningRate,
      momentum: 0.9,
      weightDecay: 0,
      // Warm-up and decay: a full learning rate on step one knocks held-out accuracy below the
      // floor before the model settles.
      warmupFraction: 0.1,
      cosineDecay: true,
      ...(options.augment ? { augment: options.augment } : {}),
      variables,
      evaluateEvery: settings.evaluateEvery,
      floor: run.floor,
      startAccuracy: run.startAccuracy,
      reference: run.reference,
      collapseMargin: settings.collapseMargin,
      ...(settings.strictBudget ? { tolerance: 0 } : {}),
      ...(reinitializeHead ? { collapseAfterStep: settings.steps / 2 } : {}),
      fallbackWeights: suspectWeights,
      keepFinal: settings.select === 'final',
      captureKeepFinal: run.captureKeepFinal,
      ...(settings.averageFrom < 1 ? { averageFrom: Math.round(settings.averageFrom * settings.steps) } : {}),
      ...(run.checkpoint ? { checkpoint: run.checkpoint } : {}),
      loss: pivotalTuningLoss(working, { pivot }, lossSettings),
      // Compute threads rebuild the same loss on their replicas of the working model and pivot.
      replicaLoss: { kind: PIVOTAL_TUNING_LOSS, settings: lossSettings, models: { pivot } },
    },
    options,
  );
}

export const pivotalTuningDefense: RepairDefense<PivotalTuningOptions> = { name: 'pivotal-tuning', repair: pivotalTuning };
