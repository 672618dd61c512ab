/**
 * The repair job: fine-tune the backdoor out of a model with the trusted data, using Pivotal
 * Tuning or one of the baselines, and return the repaired model as an archive.
 *
 * Checkpoint / resume: the defenses checkpoint through core (`DefenseCheckpoint`: JSON state +
 * files). Every `checkpointEvery` training steps the task awaits `onCheckpoint` with a
 * `RepairCheckpoint`: `weights` is a model archive (model.json + weights.bin = the weights being
 * trained, plus `checkpoint/*` payloads such as optimizer slots and the best weights so far) and
 * `state` is JSON (core's phase state plus a digest of the inputs and options). A retried job
 * passes the last one as `resumeFrom`; the repair restores weights, optimizer and bookkeeping and
 * continues with the step after `step`. The digest makes a checkpoint of other inputs or options
 * fail with INVALID_INPUT instead of silently mixing runs.
 */
import type { ImageDataset } from '@antidote/core/datasets';
import {
  type CheckpointRecord,
  DEFENSE_CHECKPOINT_FORMAT,
  type DefenseCheckpoint,
  type DefenseProgress,
  FINE_PRUNING_DEFAULTS,
  FINE_TUNING_DEFAULTS,
  finePruning,
  fineTuning,
  type JsonObject,
  judgeRepair,
  NAD_DEFAULTS,
  NEURAL_CLEANSE_DEFAULTS,
  NEURAL_CLEANSE_REPAIR_DEFAULTS,
  neuralAttentionDistillation,
  neuralCleanseRepair,
  PIVOTAL_TUNING_DEFAULTS,
  pivotalTuning,
  pivotalTuningRuns,
  REPAIR_DEFENSES,
  type RepairDefenseName,
  type RepairJudgement,
  type RepairResult,
  type RepairTradeoff,
  repairFrontier,
  sameWeights,
  splitTrusted,
  UNLABELLED_AGREEMENT_BUDGET,
} from '@antidote/core/defenses';
import { AntidoteError, throwIfAborted } from '@antidote/core/errors';
import { type JobWork, packModelArchive, saveModelToFiles, splitAtPenultimate, unpackModelArchive } from '@antidote/core/models';
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

export type RepairMethod = RepairDefenseName;
export const REPAIR_METHODS: readonly RepairMethod[] = REPAIR_DEFENSES;

export interface RepairOptions {
  method: RepairMethod;
  /**
   * Training steps of the repair (PT, fine-tuning, fine-pruning: tuning steps; NAD: student
   * steps; Neural Cleanse: unlearning steps). Default: the method's (Pivotal Tuning 600, the baselines 300).
   */
  steps?: number;
  /**
   * Allowed drop of held-out trusted accuracy (0.02 = 2 points). Default 0.02; with unlabelled
   * trusted images, of agreement with the suspect, default UNLABELLED_AGREEMENT_BUDGET (0.05).
   */
  cdaBudget?: number;
  seed?: number;
  /** Images per training step. Default: the method's (128). */
  batchSize?: number;
  /** Steps between validation checks. Default: the method's (25). */
  evaluateEvery?: number;
  /** Learning rate. Default: the method's. */
  learningRate?: number;
  /** NAD: teacher fine-tuning steps. Default 100. */
  teacherSteps?: number;
  /** Neural Cleanse: trigger optimisation steps per class. Default 100. */
  inversionSteps?: number;
  /** Share of the trusted set held out for validation. Default 0.2. */
  validationFraction?: number;
  /** Training steps between checkpoints. Default: ~10% of the method's total steps. */
  checkpointEvery?: number;
  /** Also report this attack's success rate before and after, on held-out trusted images. */
  knownAttack?: KnownAttack;
}

export interface RepairCheckpoint {
  /** Steps done over all phases of the method; a resumed run continues after it. */
  step: number;
  /** A model archive: the weights being trained plus `checkpoint/*` payloads. */
  weights: Uint8Array;
  /** JSON-safe: method, phase, optimizer slot layout, best-so-far bookkeeping, input digest. */
  state: Record<string, unknown>;
}

export interface RepairInput {
  model: Uint8Array;
  trusted: TrustedInput;
  options: RepairOptions;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  resumeFrom?: RepairCheckpoint;
  onCheckpoint?: (checkpoint: RepairCheckpoint) => Promise<void>;
  /** Awaited with the job's time and memory estimate before the long work starts. */
  onEstimate?: EstimateCallback;
  /** This job's share of the machine's memory (default: all of it); the batch shrinks to fit it. */
  memoryLimitBytes?: number;
  /** Compute threads each training batch is split over (1: this thread only). */
  threads?: number;
  /** A pool the caller owns (e.g. a sweep's) to use instead of starting `threads` of its own. */
  pool?: ThreadPool;
}

export interface RepairTaskResult {
  /**
   * Whether the repair may be called one: it changed the model and, with a known attack, brought
   * its success under the bar. Otherwise `reasons` say why and `frontier` shows what was seen.
   */
  outcome: RepairJudgement;
  /** The repaired model as an archive (only when `outcome.repaired`). */
  repaired: Uint8Array | null;
  /** The trade-offs the run saw on held-out trusted data, with the drop's 95% interval. */
  frontier: RepairTradeoff[];
  /** The run whose checkpoint was kept, and how many runs were made (Pivotal Tuning retries). */
  keptRun: string | null;
  runs: number;
  /**
   * Accuracy on the held-out trusted images before and after; with unlabelled trusted images
   * (`labels: 'model'`), agreement with the suspect's predictions instead (before is then 1).
   */
  cdaBefore: number;
  cdaAfter: number;
  /** Whose labels the trusted images carried: the team's, or the suspect's predictions. */
  labels: 'given' | 'model';
  /** Success rate of `knownAttack` on the held-out trusted images, when given. */
  asrBefore?: number;
  asrAfter?: number;
  method: RepairMethod;
  /** Training steps behind the returned weights (the latest checkpoint within the CDA budget). */
  steps: number;
  /** Wall time of this run plus, when resumed, the runs before it. */
  durationMs: number;
  /** The step this run resumed after, or null for a fresh run. */
  resumedFromStep: number | null;
  params: Record<string, unknown>;
}

const STATE_VERSION = 1;

interface Resolved {
  method: RepairMethod;
  steps: number;
  seed: number;
  cdaBudget: number;
  batchSize: number | undefined;
  evaluateEvery: number | undefined;
  learningRate: number | undefined;
  teacherSteps: number;
  inversionSteps: number;
  validationFraction: number | undefined;
  checkpointEvery: number | undefined;
}

const DEFAULT_STEPS: Record<RepairMethod, number> = {
  'pivotal-tuning': PIVOTAL_TUNING_DEFAULTS.steps,
  'fine-tuning': FINE_TUNING_DEFAULTS.steps,
  'fine-pruning': FINE_PRUNING_DEFAULTS.steps,
  nad: NAD_DEFAULTS.steps,
  'neural-cleanse': NEURAL_CLEANSE_REPAIR_DEFAULTS.repairSteps,
};

function resolveOptions(options: RepairOptions): Resolved {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object with a method.');
  if (!REPAIR_METHODS.includes(options.method)) {
    throw invalid(`method must be one of ${REPAIR_METHODS.join(', ')}, got ${JSON.stringify(options.method)}.`);
  }
  const learningRate = options.learningRate;
  if (learningRate !== undefined && !(typeof learningRate === 'number' && learningRate > 0 && learningRate <= 10)) {
    throw invalid(`learningRate must be a number in (0, 10], got ${JSON.stringify(learningRate)}.`);
  }
  return {
    method: options.method,
    steps: positiveInteger('steps', options.steps, 100_000) ?? DEFAULT_STEPS[options.method],
    seed: seedOption(options.seed),
    cdaBudget: fraction('cdaBudget', options.cdaBudget) ?? 0.02,
    batchSize: positiveInteger('batchSize', options.batchSize, 4096),
    evaluateEvery: positiveInteger('evaluateEvery', options.evaluateEvery, 100_000),
    learningRate,
    teacherSteps: positiveInteger('teacherSteps', options.teacherSteps, 100_000) ?? NAD_DEFAULTS.teacherSteps,
    inversionSteps: positiveInteger('inversionSteps', options.inversionSteps, 10_000) ?? NEURAL_CLEANSE_DEFAULTS.steps,
    validationFraction: fraction('validationFraction', options.validationFraction, { open: true }),
    checkpointEvery: positiveInteger('checkpointEvery', options.checkpointEvery, 1_000_000),
  };
}

/** Steps over all phases, as the method's checkpoints count them. */
function totalSteps(settings: Resolved, numClasses: number): number {
  if (settings.method === 'nad') return settings.teacherSteps + settings.steps;
  if (settings.method === 'neural-cleanse') return numClasses * settings.inversionSteps + settings.steps;
  return settings.steps;
}

/** The runs a Pivotal Tuning repair with the task's options (core's defaults) may make. */
const PT_RUNS = pivotalTuningRuns({});

/**
 * Relative cost of each phase (steps x images per step), for overall progress. Every run a
 * Pivotal Tuning repair may make has its own span, so progress keeps moving through a retry (and
 * jumps ahead when the first run already kept a checkpoint).
 */
function progressPhases(settings: Resolved, numClasses: number, fitImages: number): [string, number][] {
  const batch = Math.min(settings.batchSize ?? 128, fitImages);
  const tuning = settings.steps * batch;
  const phases: [string, number][] = [['load', 0.02 * tuning]];
  if (settings.method === 'fine-pruning') phases.push(['prune', 0.05 * tuning]);
  if (settings.method === 'nad') phases.push(['teacher', settings.teacherSteps * batch]);
  if (settings.method === 'neural-cleanse') phases.push(['invert', numClasses * settings.inversionSteps * 32 * 2]);
  if (settings.method === 'pivotal-tuning') for (const run of PT_RUNS) phases.push([run.phase, tuning]);
  else phases.push(['train', tuning]);
  phases.push(['evaluate', 0.03 * tuning]);
  return phases;
}

/** Which progress span a defense's own phase belongs to. */
function spanOf(phase: string): string {
  if (phase === 'rank' || phase === 'prune') return 'prune';
  if (phase === 'teacher' || phase === 'invert') return phase;
  if (PT_RUNS.some((run) => run.phase === phase)) return phase;
  return 'train';
}

/** The progress message when a Pivotal Tuning run starts: which run of how many, and why. */
function runStartMessage(phase: string, budget: number, labels: 'given' | 'model'): string | null {
  const runs = labels === 'model' ? pivotalTuningRuns({ useLabels: false }) : PT_RUNS;
  const index = runs.findIndex((run) => run.phase === phase);
  if (index < 0 || runs.length === 1) return null;
  const run = runs[index]!;
  const why =
    index === 0
      ? ''
      : `: run ${index} kept no checkpoint within the ${(budget * 100).toFixed(1)}-point budget, so ${run.purpose}`;
  return `Pivotal Tuning run ${index + 1} of up to ${runs.length}${why}.`;
}

function runDefense(
  model: tf.LayersModel,
  trusted: ImageDataset,
  settings: Resolved,
  labels: 'given' | 'model',
  common: {
    seed: number;
    signal?: AbortSignal;
    onProgress: (p: DefenseProgress) => Promise<void>;
    validationFraction?: number;
    checkpointEvery?: number;
    onCheckpoint?: (c: DefenseCheckpoint) => Promise<void>;
    resumeFrom?: DefenseCheckpoint;
    inspectCheckpoint?: (model: tf.LayersModel) => Promise<Record<string, number>>;
    pool?: ThreadPool;
  },
): Promise<RepairResult> {
  const tuning = {
    ...common,
    accuracyBudget: settings.cdaBudget,
    ...(settings.evaluateEvery ? { evaluateEvery: settings.evaluateEvery } : {}),
    ...(settings.learningRate ? { learningRate: settings.learningRate } : {}),
  };
  const batch = settings.batchSize ? { batchSize: settings.batchSize } : {};
  switch (settings.method) {
    case 'pivotal-tuning':
      // the labels are the suspect's own predictions: PT reads them off the pivot itself
      return pivotalTuning(model, trusted, {
        ...tuning,
        ...batch,
        steps: settings.steps,
        ...(labels === 'model' ? { useLabels: false } : {}),
      });
    case 'fine-tuning':
      return fineTuning(model, trusted, { ...tuning, ...batch, steps: settings.steps });
    case 'fine-pruning':
      return finePruning(model, trusted, { ...tuning, ...batch, steps: settings.steps });
    case 'nad':
      return neuralAttentionDistillation(model, trusted, {
        ...tuning,
        ...batch,
        steps: settings.steps,
        teacherSteps: settings.teacherSteps,
      });
    case 'neural-cleanse': {
      const { learningRate: _unused, ...rest } = tuning;
      return neuralCleanseRepair(model, trusted, {
        ...rest,
        steps: settings.inversionSteps,
        repairSteps: settings.steps,
        ...(settings.batchSize ? { repairBatchSize: settings.batchSize } : {}),
        ...(settings.learningRate ? { repairLearningRate: settings.learningRate } : {}),
      });
    }
  }
}

/** The options that shape a run: a checkpoint only resumes a run with the same ones. */
function optionsKey(settings: Resolved): string {
  const { checkpointEvery: _interval, ...shaping } = settings;
  return JSON.stringify(shaping);
}

function toRepairCheckpoint(
  checkpoint: DefenseCheckpoint,
  digest: string,
  method: RepairMethod,
  elapsed: number,
): RepairCheckpoint {
  return {
    step: checkpoint.step,
    weights: packModelArchive(checkpoint.files),
    state: {
      version: STATE_VERSION,
      method,
      format: checkpoint.format,
      defense: checkpoint.defense,
      totalSteps: checkpoint.totalSteps,
      inputs: digest,
      elapsedMs: elapsed,
      core: checkpoint.state,
    },
  };
}

function fromRepairCheckpoint(checkpoint: RepairCheckpoint, digest: string, method: RepairMethod): DefenseCheckpoint {
  const state = checkpoint?.state;
  if (typeof state !== 'object' || state === null || !(checkpoint.weights instanceof Uint8Array)) {
    throw invalid('resumeFrom must be a RepairCheckpoint { step, weights, state }.');
  }
  if (state.version !== STATE_VERSION || state.format !== DEFENSE_CHECKPOINT_FORMAT) {
    throw invalid('The checkpoint comes from another version of the worker; start the repair over.');
  }
  if (state.method !== method) {
    throw invalid(`The checkpoint is of a ${String(state.method)} repair, not ${method}; start the repair over.`);
  }
  if (state.inputs !== digest) {
    throw new AntidoteError('INVALID_INPUT', 'The checkpoint was taken with other inputs or options; start the repair over.', {
      details: { reason: 'checkpoint-mismatch' },
    });
  }
  if (typeof state.core !== 'object' || state.core === null || !Number.isSafeInteger(checkpoint.step) || checkpoint.step < 1) {
    throw new AntidoteError('CORRUPT_FILE', 'The repair checkpoint is damaged; start the repair over.');
  }
  return {
    format: DEFENSE_CHECKPOINT_FORMAT,
    defense: method,
    step: checkpoint.step,
    totalSteps: typeof state.totalSteps === 'number' ? state.totalSteps : Number.NaN,
    state: state.core as JsonObject,
    files: unpackModelArchive(checkpoint.weights),
  };
}

export async function runRepair(input: RepairInput): Promise<RepairTaskResult> {
  const started = performance.now();
  const { signal } = input;
  const onProgress = callerCallback(input.onProgress);
  const onCheckpoint = callerCallback(input.onCheckpoint);
  let model: tf.LayersModel | null = null;
  let repaired: tf.LayersModel | null = null;
  let pool: ThreadPool | null = null;
  try {
    let settings = resolveOptions(input.options);
    await ensureRuntime();
    throwIfAborted(signal);
    const loaded = await loadModelArchive(input.model);
    model = loaded.model;
    const { dataset: trusted, labels } = await loadTrustedOrPseudoLabel(input.trusted, model, loaded.description);
    if (labels === 'model' && settings.method !== 'pivotal-tuning') {
      throw invalid(
        `The trusted dataset has no labels; only pivotal-tuning repairs with unlabelled images (it learns from the suspect's own predictions), not ${settings.method}.`,
      );
    }
    // Without labels the budget is on agreement with the suspect, whose own default is wider.
    if (labels === 'model' && input.options.cdaBudget === undefined)
      settings = { ...settings, cdaBudget: UNLABELLED_AGREEMENT_BUDGET };
    if (settings.method === 'pivotal-tuning') splitAtPenultimate(model);
    const numClasses = trusted.classNames.length;
    const knownAttack = checkKnownAttack(input.options.knownAttack, numClasses);
    const split = {
      seed: settings.seed,
      ...(settings.validationFraction !== undefined ? { validationFraction: settings.validationFraction } : {}),
    };
    const { fit, validation } = splitTrusted(trusted, split);
    const total = totalSteps(settings, numClasses);
    const digest = inputsDigest([input.model, ...trustedParts(input.trusted), optionsKey(settings)]);
    const resumeFrom = input.resumeFrom ? fromRepairCheckpoint(input.resumeFrom, digest, settings.method) : undefined;
    const previousMs = typeof input.resumeFrom?.state.elapsedMs === 'number' ? Math.max(0, input.resumeFrom.state.elapsedMs) : 0;
    const checkpointEvery = settings.checkpointEvery ?? Math.max(1, Math.round(total / 10));

    const progress = new ProgressReporter(progressPhases(settings, numClasses, fit.labels.length), onProgress, signal);
    await progress.report('load', 1, {
      message: resumeFrom
        ? `Resuming the ${settings.method} repair after step ${resumeFrom.step} of ${total}.`
        : `Loaded a ${loaded.description.inputShape.join('x')} model with ${numClasses} classes and ${trusted.labels.length} trusted images${
            labels === 'model'
              ? ", unlabelled: labelled by the suspect's predictions, so held-out figures are agreement with it"
              : ''
          }.`,
    });
    const left = Math.max(0, total - (resumeFrom?.step ?? 0));
    const evaluations = Math.ceil(settings.steps / (settings.evaluateEvery ?? 25)) * validation.labels.length;
    // Each training step: the student on its batch (and, in Pivotal Tuning and NAD, a mixed copy)
    // with a teacher predicting the same images; a first run only (retries are not foreseeable).
    const distils = settings.method === 'pivotal-tuning' || settings.method === 'nad';
    // Neural Cleanse's unlearning loss is not rebuilt on compute threads (NAD's student is not
    // either; its teacher is), and only a wasm backend (one core per instance) gains from them.
    const threads = settings.method === 'neural-cleanse' ? 1 : computeThreads(input);
    const workAt = (batch: number): JobWork => ({
      trainPasses: left * batch * (distils ? 2 : 1),
      inferPasses: (distils ? left * batch * 2 : 0) + evaluations + 2 * validation.labels.length,
      peakBatch: batch * (distils ? 2 : 1),
      models: distils ? 3 : 2,
      threads,
    });
    const requestedBatch = Math.min(settings.batchSize ?? 128, fit.labels.length);
    const memory = fitToMemory(model, workAt(requestedBatch), jobMemoryLimit(input.memoryLimitBytes));
    const batch = scaledBatch(requestedBatch, memory);
    if (memory.scale < 1) {
      settings = { ...settings, batchSize: batch };
      await progress.report('load', 1, {
        message: `Batch scaled from ${requestedBatch} to ${batch} images to fit the job's ${Math.round(memory.limitBytes / 2 ** 20)} MB.`,
      });
    }
    const estimate = await reportEstimate(model, workAt(batch), input.onEstimate);
    const triggered = knownAttack ? triggeredSet(knownAttack, validation) : null;
    const asrBefore = knownAttack && triggered ? await attackSuccess(model, triggered, knownAttack) : undefined;
    throwIfAborted(signal);

    if (!input.pool) pool = await startPool(threads, signal);
    const threadPool = threads > 1 ? (input.pool ?? pool) : null;
    let lastPhase: string | null = null;
    const result = await runDefense(model, trusted, settings, labels, {
      ...split,
      ...(signal ? { signal } : {}),
      ...(threadPool ? { pool: threadPool } : {}),
      onProgress: async (p) => {
        const message = p.phase !== lastPhase ? runStartMessage(p.phase, settings.cdaBudget, labels) : null;
        lastPhase = p.phase;
        await progress.report(spanOf(p.phase), p.step / Math.max(1, p.totalSteps), {
          phase: p.phase,
          step: p.step,
          totalSteps: p.totalSteps,
          ...(p.metrics ? { metrics: p.metrics } : {}),
          ...(message ? { message } : {}),
        });
      },
      ...(knownAttack && triggered
        ? { inspectCheckpoint: async (m: tf.LayersModel) => ({ attackSuccess: await attackSuccess(m, triggered, knownAttack) }) }
        : {}),
      ...(onCheckpoint
        ? {
            checkpointEvery,
            onCheckpoint: async (c: DefenseCheckpoint) => {
              await onCheckpoint(toRepairCheckpoint(c, digest, settings.method, previousMs + elapsedMs(started)));
            },
          }
        : {}),
      ...(resumeFrom ? { resumeFrom } : {}),
    });
    repaired = result.model;
    await progress.report('evaluate', 0, { message: 'Measuring the repaired model.' });
    const asrAfter = knownAttack && triggered ? await attackSuccess(repaired, triggered, knownAttack) : undefined;
    const outcome = judgeRepair(
      {
        changed: !sameWeights(model, repaired),
        accuracyBudget: settings.cdaBudget,
        heldOutMetric: labels === 'model' ? 'agreement' : 'accuracy',
      },
      asrBefore !== undefined && asrAfter !== undefined ? { successBefore: asrBefore, successAfter: asrAfter } : undefined,
    );
    const archive = outcome.repaired ? packModelArchive(await saveModelToFiles(repaired)) : null;
    const checkpoints: CheckpointRecord[] = result.checkpoints ?? [];
    await progress.report('evaluate', 1, {
      message: outcome.repaired
        ? `Held-out ${labels === 'model' ? 'agreement with the suspect' : 'accuracy'} ${(result.validationAccuracyBefore * 100).toFixed(1)}% -> ${(result.validationAccuracyAfter * 100).toFixed(1)}%.`
        : `Not repaired: ${outcome.reasons.join(' ')}`,
    });
    const keptRun = typeof result.parameters.keptRun === 'string' ? result.parameters.keptRun : null;
    return {
      outcome,
      repaired: archive,
      frontier: repairFrontier(checkpoints, knownAttack ? { attackMetric: 'attackSuccess' } : {}),
      keptRun: outcome.repaired ? keptRun : null,
      runs: typeof result.parameters.attempts === 'number' ? result.parameters.attempts : 1,
      cdaBefore: result.validationAccuracyBefore,
      cdaAfter: result.validationAccuracyAfter,
      labels,
      ...(asrBefore !== undefined ? { asrBefore } : {}),
      ...(asrAfter !== undefined ? { asrAfter } : {}),
      method: settings.method,
      steps: result.steps,
      durationMs: previousMs + elapsedMs(started),
      resumedFromStep: resumeFrom ? resumeFrom.step : null,
      params: {
        ...result.parameters,
        labels,
        heldOutMetric: labels === 'model' ? 'agreement' : 'accuracy',
        seed: settings.seed,
        totalSteps: total,
        checkpointEvery: onCheckpoint ? checkpointEvery : null,
        trustedImages: trusted.labels.length,
        threads: threadPool?.size ?? 1,
        estimatedSeconds: estimate.seconds,
        estimatedPeakBytes: estimate.peakBytes,
        memoryLimitBytes: memory.limitBytes,
        ...(memory.scale < 1 ? { batchScale: memory.scale, batchSize: batch } : {}),
        ...(knownAttack ? { knownAttack } : {}),
      },
    };
  } catch (error) {
    throw toTaskError(error, signal);
  } finally {
    repaired?.dispose();
    model?.dispose();
    await pool?.close();
  }
}
