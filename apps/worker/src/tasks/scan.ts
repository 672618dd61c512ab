/**
 * The scan job: is this model backdoored? Calibrated Trigger Inversion (CTI) fine-tunes a
 * Pivotal-Tuning reference copy of the suspect on the trusted data, then for each candidate class
 * optimises a trigger that flips the suspect but not the reference; a real backdoor is such a
 * shortcut. score = max over classes of ASR(trigger on suspect) - ASR(trigger on reference).
 */
import { encodePng } from '@antidote/core/datasets';
import {
  type CalibrationReference,
  type ClassInversion,
  calibratedTriggerInversion,
  calibrateScan,
  checkTriggerFamilies,
  exceedsThreshold,
  PIVOTAL_TUNING_DEFAULTS,
  pivotalTuning,
  type ScanCalibration,
  splitTrusted,
  TRIGGER_INVERSION_DEFAULTS,
  type TriggerFamily,
} from '@antidote/core/defenses';
import { throwIfAborted } from '@antidote/core/errors';
import { packModelArchive } from '@antidote/core/formats';
import { accuracy, predictClasses } from '@antidote/core/metrics';
import { type JobWork, saveModelToFiles, splitAtPenultimate } from '@antidote/core/models';
import type { ThreadPool } from '@antidote/core/parallel';
import type { tf } from '@antidote/core/runtime';
import {
  attackSuccess,
  callerCallback,
  checkKnownAttack,
  computeThreads,
  type EstimateCallback,
  elapsedMs,
  ensureRuntime,
  fitToMemory,
  fraction,
  inputsDigest,
  invalid,
  jobMemoryLimit,
  type KnownAttack,
  loadModelArchive,
  loadTrustedOrPseudoLabel,
  type ProgressCallback,
  ProgressReporter,
  positiveInteger,
  reportEstimate,
  scaledBatch,
  seedOption,
  startPool,
  type TrustedInput,
  toTaskError,
  triggeredSet,
  trustedParts,
} from './common.ts';

/**
 * Decision threshold of a scan that inverts only the additive trigger (score > threshold:
 * backdoored), combined by the method's plain maximum; suspicious above half of it. PROVISIONAL:
 * the intended threshold is `calibrateThreshold(cleanScores, 0.05)` over reference clean models of
 * the same architecture, too slow to train inside every scan, so a job may pass a calibrated one.
 * The scores behind the value: docs/method.md#the-measurements-behind-the-thresholds.
 */
export const CTI_DEFAULT_THRESHOLD = 0.25;

/**
 * Backdoored and suspicious thresholds of a scan that inverts any family beyond the additive one,
 * as the default scan (patch and warp) does, PROVISIONAL like the one above. Such a scan combines
 * its families `centred` (core's `combineFamilyScores`), because by the plain maximum the extra
 * families lift clean models and let merely easy-to-flip classes win. Both values sit above every
 * clean score measured, the first below every backdoored one
 * (docs/method.md#the-measurements-behind-the-thresholds).
 */
export const CTI_EXTRA_FAMILIES_DEFAULT_THRESHOLD = 0.4;
export const CTI_EXTRA_FAMILIES_DEFAULT_SUSPICIOUS = 0.3;

/**
 * The scores behind CTI_DEFAULT_THRESHOLD (seed = model seed; attacks target class 0). A score of
 * exactly 0 on every class is the degenerate case where the reference repair collapsed at once and
 * stayed the suspect model (reported by runScan as `params.inconclusive`); those are left out.
 */
export const CTI_THRESHOLD_MEASUREMENTS = {
  setting: 'fashion-mnist, small-cnn, 10k training images x 2 epochs, 600 trusted images, CTI/PT defaults',
  clean: [
    { seed: 101, score: 0.065, suspectedTarget: 6 },
    { seed: 102, score: 0.093, suspectedTarget: 2 },
  ],
  backdoored: [
    { attack: 'badnets', poisonCount: 200, seed: 1, asr: 0.966, score: 0.481, suspectedTarget: 0 },
    { attack: 'badnets', poisonCount: 200, seed: 2, asr: 0.875, score: 0.519, suspectedTarget: 0 },
  ],
} as const;

export type ScanVerdict = 'clean' | 'suspicious' | 'backdoored';

export interface ScanOptions {
  /** Classes to check (default: all). Fewer classes = a faster scan. */
  candidateClasses?: number[];
  /**
   * Decision threshold on the score; default CTI_EXTRA_FAMILIES_DEFAULT_THRESHOLD, or
   * CTI_DEFAULT_THRESHOLD for an additive-only scan.
   */
  threshold?: number;
  /**
   * Scores from here up to the threshold are 'suspicious'. Default CTI_EXTRA_FAMILIES_DEFAULT_SUSPICIOUS;
   * threshold / 2 when a threshold is given or the scan is additive-only.
   */
  suspiciousThreshold?: number;
  /** Trigger optimisation steps per class and shape. Default: `TRIGGER_INVERSION_DEFAULTS.steps` (the same for every shape). */
  steps?: number;
  /** Steps of the Pivotal-Tuning reference repair. Default: `PIVOTAL_TUNING_DEFAULTS.steps`. */
  repairSteps?: number;
  /** Images per step (inversion and reference repair). Default: each one's own `batchSize` default. */
  batchSize?: number;
  /** Share of the trusted set held out for scoring and CDA. Default 0.2. */
  validationFraction?: number;
  seed?: number;
  /** Also report this attack's success rate on the held-out trusted images. */
  knownAttack?: KnownAttack;
  /** Trigger shapes to invert. Default: `TRIGGER_INVERSION_DEFAULTS.triggerFamilies`. */
  triggerFamilies?: TriggerFamily[];
  /**
   * Clean models' scores of this model's family (architecture + input geometry + dataset), measured
   * with this scan's settings (`reference.settings` must equal the scan's `params.calibrationSettings`).
   * The verdict is then read against them; without one, against the scan's own classes.
   */
  reference?: CalibrationReference;
  /** The false-positive rate the backdoored verdict is held to. Default `CALIBRATION_DEFAULTS.falsePositiveRate`. */
  falsePositiveRate?: number;
}

/** What a scan's reference repair came to; a resumed scan reports the first run's figures. */
export interface ReferenceRunFacts {
  steps: number;
  stepsRun: number;
  validationAccuracy: number;
}

/**
 * A scan's checkpoints, handed to `onCheckpoint` as they happen: the reference repair once it is
 * trained (a model archive), then each class as it is inverted. `digest` ties them to the scan's
 * model, data and shaping options; a resume with other inputs starts over.
 */
export type ScanCheckpoint =
  | { kind: 'reference'; digest: string; archive: Uint8Array; run: ReferenceRunFacts }
  | { kind: 'class'; digest: string; inversion: ClassInversion };

/** Everything a scan saved before it was interrupted: the reference and the classes inverted. */
export interface ScanResume {
  digest: string;
  reference: { archive: Uint8Array; run: ReferenceRunFacts };
  classes: ClassInversion[];
}

export interface ScanInput {
  /** The model archive (zip/tar of model.json + weights). */
  model: Uint8Array;
  /** The trusted dataset, in any format importDataset reads. */
  trusted: TrustedInput;
  options?: ScanOptions;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  /** Awaited with the job's time and memory estimate before the long work starts. */
  onEstimate?: EstimateCallback;
  /** Compute threads for the reference repair's batches and the classes' inversions (1: this thread only). */
  threads?: number;
  /** A pool the caller owns (e.g. a sweep's) to use instead of starting `threads` of its own. */
  pool?: ThreadPool;
  /** This job's share of the machine's memory (default: all of it); batches shrink to fit it. */
  memoryLimitBytes?: number;
  /** An interrupted run's checkpoints: its reference is reused and its classes are not inverted again. */
  resumeFrom?: ScanResume;
  onCheckpoint?: (checkpoint: ScanCheckpoint) => Promise<void>;
}

export interface ScanResult {
  method: 'cti';
  /** max over candidate classes of the per-class score, in [-1, 1]; higher = more suspicious. */
  score: number;
  /** The fixed band the fallback reads (backdoored above it); the verdict comes from `calibration`. */
  threshold: number;
  verdict: ScanVerdict;
  /** How the score became the verdict: its p-value against a reference, or the fixed bands ('uncalibrated'). */
  calibration: ScanCalibration;
  /** The class the backdoor maps to, or null when the verdict is clean. */
  suspectedTarget: number | null;
  /** Score per class (0 for classes not in candidateClasses). */
  perClassScores: number[];
  /** The inverted trigger for the suspected class (contrast-stretched, upscaled), or null when clean. */
  triggerPng: Uint8Array | null;
  /**
   * Accuracy of the suspect on the held-out trusted images; null when they came without labels
   * (`params.labels: 'model'`: labelled by the suspect, which then agrees with itself).
   */
  cda: number | null;
  /** Success rate of `knownAttack` on the held-out trusted images, when given. */
  asr?: number;
  durationMs: number;
  params: Record<string, unknown>;
}

/**
 * The verdict rule: score > threshold -> backdoored; score > threshold / 2 -> suspicious (worth
 * a repair or a calibrated re-scan); otherwise clean. Strictly above, as core's CTI verdict reads
 * it: `calibrateThreshold` returns a clean reference model's own score (with 5 reference models
 * at 5% false positives, the highest), which must not itself count as backdoored.
 */
export function scanVerdict(score: number, threshold: number, suspiciousThreshold = threshold / 2): ScanVerdict {
  if (exceedsThreshold(score, threshold)) return 'backdoored';
  if (exceedsThreshold(score, suspiciousThreshold)) return 'suspicious';
  return 'clean';
}

/**
 * The settings a family reference must have been measured with to apply to a scan: everything
 * that changes a clean model's score (trigger families, steps, batch, reference repair,
 * validation share) and the input geometry and class count. Thresholds are not in it: they only read scores.
 * `batchScale` below 1: the worker shrank every batch to fit the job's memory, so the scores were
 * taken at other batches than asked for.
 */
export function calibrationSettingsKey(
  settings: Pick<
    ReturnType<typeof resolveOptions>,
    'triggerFamilies' | 'steps' | 'repairSteps' | 'batchSize' | 'validationFraction'
  >,
  geometry: { height: number; width: number; channels: number; classes: number },
  batchScale = 1,
  labels: 'given' | 'model' = 'given',
): string {
  return [
    `cti:${settings.triggerFamilies.join('+')}`,
    `steps=${settings.steps}`,
    `repair=${settings.repairSteps}`,
    `batch=${settings.batchSize ?? 'default'}${batchScale < 1 ? `x${batchScale}` : ''}`,
    `validation=${settings.validationFraction ?? 0.2}`,
    `${geometry.height}x${geometry.width}x${geometry.channels}/${geometry.classes}`,
    // a reference repaired from the suspect's own labels is another recipe: its scores are not comparable
    ...(labels === 'model' ? ['labels=model'] : []),
  ].join(';');
}

/**
 * CTI's trigger is additive, shown as 0.5 + delta / 2; small deltas would be a flat grey square,
 * so it is stretched to use the full range, and upscaled to at least ~96 px.
 */
export function triggerToPng(trigger: { pixels: Float32Array; height: number; width: number; channels: number }): Uint8Array {
  const scale = Math.min(8, Math.max(1, Math.ceil(96 / Math.max(trigger.height, trigger.width))));
  return encodePng({ ...trigger, pixels: stretchContrast(trigger.pixels) }, { scale });
}

/** Stretches pixels around mid-grey so the largest deviation reaches 0 or 1. */
export function stretchContrast(pixels: Float32Array): Float32Array {
  let deviation = 0;
  for (const p of pixels) deviation = Math.max(deviation, Math.abs(p - 0.5));
  const gain = deviation > 1e-6 ? 0.5 / deviation : 1;
  return pixels.map((p) => 0.5 + (p - 0.5) * gain);
}

function checkReference(value: unknown): CalibrationReference | undefined {
  if (value === undefined) return undefined;
  const ref = value as Partial<CalibrationReference>;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof ref.family !== 'string' ||
    typeof ref.settings !== 'string' ||
    !Array.isArray(ref.cleanScores) ||
    !ref.cleanScores.every((s) => typeof s === 'number' && Number.isFinite(s) && s >= -1 && s <= 1) ||
    (ref.source !== undefined && typeof ref.source !== 'string')
  ) {
    throw invalid('reference must be { family, settings, cleanScores: numbers in [-1, 1], source? }.');
  }
  return {
    family: ref.family,
    settings: ref.settings,
    cleanScores: [...ref.cleanScores],
    ...(ref.source !== undefined ? { source: ref.source } : {}),
  };
}

function resolveOptions(options: ScanOptions) {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object.');
  const triggerFamilies = checkTriggerFamilies(options.triggerFamilies ?? TRIGGER_INVERSION_DEFAULTS.triggerFamilies);
  const extraFamilies = triggerFamilies.some((f) => f !== 'additive');
  const threshold = options.threshold ?? (extraFamilies ? CTI_EXTRA_FAMILIES_DEFAULT_THRESHOLD : CTI_DEFAULT_THRESHOLD);
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) {
    throw invalid(`threshold must be a number in (0, 1], got ${JSON.stringify(options.threshold)}.`);
  }
  const suspiciousThreshold =
    options.suspiciousThreshold ??
    (extraFamilies && options.threshold === undefined ? CTI_EXTRA_FAMILIES_DEFAULT_SUSPICIOUS : threshold / 2);
  if (typeof suspiciousThreshold !== 'number' || !(suspiciousThreshold >= 0 && suspiciousThreshold <= threshold)) {
    throw invalid(`suspiciousThreshold must be a number in [0, threshold], got ${JSON.stringify(options.suspiciousThreshold)}.`);
  }
  if (options.candidateClasses !== undefined && !Array.isArray(options.candidateClasses)) {
    throw invalid('candidateClasses must be a list of class indices.');
  }
  return {
    triggerFamilies,
    extraFamilies,
    threshold,
    suspiciousThreshold,
    steps: positiveInteger('steps', options.steps, 10_000) ?? TRIGGER_INVERSION_DEFAULTS.steps,
    repairSteps: positiveInteger('repairSteps', options.repairSteps, 100_000) ?? PIVOTAL_TUNING_DEFAULTS.steps,
    batchSize: positiveInteger('batchSize', options.batchSize, 4096),
    validationFraction: fraction('validationFraction', options.validationFraction, { open: true }),
    seed: seedOption(options.seed),
    // an explicit threshold is the caller's own calibration: the bands then decide
    thresholdGiven: options.threshold !== undefined,
    reference: checkReference(options.reference),
    falsePositiveRate: fraction('falsePositiveRate', options.falsePositiveRate, { open: true }),
  };
}

export async function runScan(input: ScanInput): Promise<ScanResult> {
  const started = performance.now();
  const { signal } = input;
  const onProgress = callerCallback(input.onProgress);
  let model: tf.LayersModel | null = null;
  let reference: tf.LayersModel | null = null;
  let pool: ThreadPool | null = null;
  try {
    const settings = resolveOptions(input.options ?? {});
    await ensureRuntime();
    throwIfAborted(signal);
    const loaded = await loadModelArchive(input.model);
    model = loaded.model;
    const { dataset: trusted, labels } = await loadTrustedOrPseudoLabel(input.trusted, model, loaded.description);
    // PT (the reference) needs a Dense classification layer last; fail before minutes of work.
    splitAtPenultimate(model);
    const numClasses = trusted.classNames.length;
    const knownAttack = checkKnownAttack(input.options?.knownAttack, numClasses);
    const candidates = input.options?.candidateClasses ?? Array.from({ length: numClasses }, (_, c) => c);
    if (candidates.length === 0 || !candidates.every((c) => Number.isInteger(c) && c >= 0 && c < numClasses)) {
      throw invalid(`candidateClasses must be a non-empty list of classes in 0..${numClasses - 1}.`);
    }
    const split = {
      seed: settings.seed,
      ...(settings.validationFraction !== undefined ? { validationFraction: settings.validationFraction } : {}),
    };
    const { fit, validation } = splitTrusted(trusted, split);
    // the options that change a class's score; thresholds only read the scores, so they may differ
    const {
      threshold: _t,
      suspiciousThreshold: _s,
      thresholdGiven: _g,
      reference: _r,
      falsePositiveRate: _f,
      ...shaping
    } = settings;
    const digest = inputsDigest([
      input.model,
      ...trustedParts(input.trusted),
      JSON.stringify({ ...shaping, candidates: [...new Set(candidates)].sort((a, b) => a - b) }),
    ]);
    const resume = input.resumeFrom?.digest === digest ? input.resumeFrom : undefined;

    const requestedRepairBatch = Math.min(settings.batchSize ?? PIVOTAL_TUNING_DEFAULTS.batchSize, fit.labels.length);
    const requestedBatchOf = (family: TriggerFamily) =>
      Math.min(
        settings.batchSize ??
          {
            additive: TRIGGER_INVERSION_DEFAULTS.batchSize,
            patch: TRIGGER_INVERSION_DEFAULTS.patchBatchSize,
            warp: TRIGGER_INVERSION_DEFAULTS.warpBatchSize,
          }[family],
        fit.labels.length,
      );
    const classes = new Set(candidates).size;
    const heldOut = validation.labels.length;
    // PT: student trained on its batch and a mixed copy, teacher predicting both; CTI: both models
    // forward and backward on each family's batch, then both scoring the held-out images.
    const imagesPerClass = (batchOf: (family: TriggerFamily) => number) =>
      settings.triggerFamilies.reduce((n, f) => n + settings.steps * batchOf(f), 0);
    // The reference repair splits its batches over compute threads and the classes are inverted
    // on them independently. Only a wasm backend gains: it is one core per instance, native
    // backends use every core already.
    const threads = computeThreads(input);
    const workAt = (repairBatch: number, batchOf: (family: TriggerFamily) => number): JobWork => {
      const inversionImages = classes * imagesPerClass(batchOf);
      return {
        trainPasses: settings.repairSteps * repairBatch * 2 + 2 * inversionImages,
        inferPasses:
          settings.repairSteps * repairBatch * 2 +
          Math.ceil(settings.repairSteps / PIVOTAL_TUNING_DEFAULTS.evaluateEvery) * heldOut +
          (1 + 2 * classes * settings.triggerFamilies.length) * heldOut,
        peakBatch: Math.max(2 * repairBatch, ...settings.triggerFamilies.map(batchOf)),
        models: 3,
        threads,
      };
    };
    const memory = fitToMemory(model, workAt(requestedRepairBatch, requestedBatchOf), jobMemoryLimit(input.memoryLimitBytes));
    const repairBatch = scaledBatch(requestedRepairBatch, memory);
    const batchOf = (family: TriggerFamily) => scaledBatch(requestedBatchOf(family), memory);
    const batchesFitted = memory.scale < 1;

    // Weights ~ cost: PT steps run student + teacher passes on their batch, inversion steps two
    // models' forward and backward passes on each family's batch.
    const progress = new ProgressReporter(
      [
        ['load', 0.02],
        ['reference-repair', 0.9 * settings.repairSteps * repairBatch * 3],
        ['invert', 0.9 * classes * 4 * imagesPerClass(batchOf)],
        ['evaluate', 0.02],
      ],
      onProgress,
      signal,
    );
    await progress.report('load', 1, {
      message: `Loaded a ${loaded.description.inputShape.join('x')} model with ${numClasses} classes and ${trusted.labels.length} trusted images${
        labels === 'model' ? " (unlabelled: labelled by the suspect's predictions)" : ''
      }.${
        batchesFitted
          ? ` Batches scaled to ${Math.round(memory.scale * 100)}% (reference repair ${repairBatch} images) to fit the job's ${Math.round(memory.limitBytes / 2 ** 20)} MB.`
          : ''
      }`,
    });
    const estimate = await reportEstimate(model, workAt(repairBatch, batchOf), input.onEstimate);

    const cda = labels === 'model' ? null : accuracy(await predictClasses(model, validation), validation.labels);
    const asr = knownAttack ? await attackSuccess(model, triggeredSet(knownAttack, validation), knownAttack) : undefined;
    throwIfAborted(signal);

    // The reference is run here rather than inside CTI so the scan knows how it went: a reference
    // that never left the suspect's weights (training collapsed at once) makes every score 0.
    let referenceRun: ReferenceRunFacts;
    let referenceModel: tf.LayersModel;
    if (!input.pool) pool = await startPool(threads, signal);
    const threadPool = threads > 1 ? (input.pool ?? pool) : null;
    if (resume) {
      referenceModel = (await loadModelArchive(resume.reference.archive)).model;
      referenceRun = resume.reference.run;
      await progress.report('reference-repair', 1, {
        message: `Resumed: the reference repair and ${resume.classes.length} class(es) come from the checkpoint.`,
      });
    } else {
      const run = await pivotalTuning(model, trusted, {
        ...split,
        ...(labels === 'model' ? { useLabels: false } : {}),
        select: 'final',
        steps: settings.repairSteps,
        ...(settings.batchSize || batchesFitted ? { batchSize: repairBatch } : {}),
        ...(signal ? { signal } : {}),
        ...(threadPool ? { pool: threadPool } : {}),
        onProgress: async (p) => {
          await progress.report('reference-repair', p.step / Math.max(1, p.totalSteps), {
            step: p.step,
            totalSteps: p.totalSteps,
            ...(p.metrics ? { metrics: p.metrics } : {}),
          });
        },
      });
      referenceModel = run.model;
      referenceRun = {
        steps: run.steps,
        stepsRun: Number(run.parameters.stepsRun),
        validationAccuracy: run.validationAccuracyAfter,
      };
      if (input.onCheckpoint) {
        const archive = packModelArchive(await saveModelToFiles(referenceModel));
        await input.onCheckpoint({ kind: 'reference', digest, archive, run: referenceRun });
      }
    }
    reference = referenceModel;
    const referenceUnchanged = referenceRun.steps === 0;
    const detection = await calibratedTriggerInversion(model, trusted, {
      ...split,
      // The scan's steps and batch apply to every shape it inverts.
      steps: settings.steps,
      patchSteps: settings.steps,
      warpSteps: settings.steps,
      ...(settings.batchSize || batchesFitted
        ? { batchSize: batchOf('additive'), patchBatchSize: batchOf('patch'), warpBatchSize: batchOf('warp') }
        : {}),
      ...(input.options?.candidateClasses ? { candidateClasses: input.options.candidateClasses } : {}),
      triggerFamilies: settings.triggerFamilies,
      // The additive-only threshold was measured with the method's plain maximum.
      combine: settings.extraFamilies ? 'centred' : 'max',
      repairedModel: referenceModel,
      threshold: settings.threshold,
      ...(resume ? { invertedClasses: resume.classes } : {}),
      ...(input.onCheckpoint
        ? {
            onClassInverted: (inversion: ClassInversion) =>
              input.onCheckpoint?.({ kind: 'class', digest, inversion }) ?? Promise.resolve(),
          }
        : {}),
      ...(signal ? { signal } : {}),
      ...(threadPool ? { pool: threadPool } : {}),
      onProgress: async (p) => {
        await progress.report('invert', p.step / Math.max(1, p.totalSteps), {
          step: p.step,
          totalSteps: p.totalSteps,
          ...(p.metrics ? { metrics: p.metrics } : {}),
        });
      },
    });
    referenceModel.dispose();
    reference = null;

    const perClassScores = detection.classScores ?? new Array<number>(numClasses).fill(0);
    const checkedClasses = [...new Set(candidates)].sort((a, b) => a - b);
    const calibrationSettings = calibrationSettingsKey(
      settings,
      { height: trusted.height, width: trusted.width, channels: trusted.channels, classes: numClasses },
      memory.scale,
      labels,
    );
    const calibration = calibrateScan({
      score: detection.score,
      // the in-scan reference reads only the classes the scan checked (the rest are 0, not scores)
      classScores: detection.classScores ? checkedClasses.map((c) => perClassScores[c] ?? 0) : null,
      ...(settings.reference && !settings.thresholdGiven ? { reference: settings.reference } : {}),
      settings: calibrationSettings,
      fixedBands: { threshold: settings.threshold, suspiciousThreshold: settings.suspiciousThreshold },
      ...(settings.falsePositiveRate !== undefined ? { falsePositiveRate: settings.falsePositiveRate } : {}),
      ...(settings.thresholdGiven ? { useFixedBands: true } : {}),
    });
    const verdict: ScanVerdict = calibration.verdict;
    const suspectedTarget = verdict === 'clean' ? null : detection.suspectedTarget;
    await progress.report('evaluate', 1, {
      message: referenceUnchanged
        ? `Score ${detection.score.toFixed(3)}: ${verdict}, but inconclusive: the reference repair could not move away from the suspect within the accuracy budget.`
        : `Score ${detection.score.toFixed(3)}: ${verdict}.`,
    });
    return {
      method: 'cti',
      score: detection.score,
      threshold: settings.threshold,
      verdict,
      calibration,
      suspectedTarget,
      perClassScores,
      triggerPng: suspectedTarget !== null && detection.trigger ? triggerToPng(detection.trigger) : null,
      cda,
      ...(asr !== undefined ? { asr } : {}),
      durationMs: elapsedMs(started),
      params: {
        ...detection.parameters,
        // Steps per class and trigger shape (core reports `steps` for the additive shape only).
        steps: settings.steps,
        repairSteps: settings.repairSteps,
        suspiciousThreshold: settings.suspiciousThreshold,
        referenceStep: referenceRun.steps,
        referenceStepsRun: referenceRun.stepsRun,
        referenceValidationAccuracy: referenceRun.validationAccuracy,
        labels,
        ...(labels === 'model' ? { heldOutMetric: 'agreement' } : {}),
        resumedClasses: resume ? resume.classes.filter((c) => candidates.includes(c.target)).length : 0,
        inconclusive: referenceUnchanged,
        seed: settings.seed,
        validationFraction: settings.validationFraction ?? 0.2,
        candidateClasses: checkedClasses,
        calibrationSettings,
        topClass: detection.suspectedTarget,
        threads: threadPool?.size ?? 1,
        validationImages: validation.labels.length,
        trustedImages: trusted.labels.length,
        estimatedSeconds: estimate.seconds,
        estimatedPeakBytes: estimate.peakBytes,
        memoryLimitBytes: memory.limitBytes,
        ...(batchesFitted ? { batchScale: memory.scale, repairBatch } : {}),
        ...(knownAttack ? { knownAttack } : {}),
      },
    };
  } catch (error) {
    throw toTaskError(error, signal);
  } finally {
    await pool?.close();
    reference?.dispose();
    model?.dispose();
  }
}
