/**
 * What every task shares: runtime start-up, turning uploaded bytes into a model and a trusted
 * dataset (with typed errors), progress on a 0..1 scale, and error hygiene. Tasks are pure:
 * bytes and callbacks in, results out; no database, storage or environment access.
 */
import { createHash } from 'node:crypto';
import { totalmem } from 'node:os';
import { triggeredTestSet } from '@antidote/core/attacks';
// registers the imported models' custom layers, so their converted archives load like any other
import { InputNormalization } from '@antidote/core/convert';
import { type DatasetFile, type ImageDataset, type ImportedImages, importDataset, isUnlabelled } from '@antidote/core/datasets';
import { AntidoteError, isAntidoteError, throwIfAborted } from '@antidote/core/errors';
import { resizeDataset } from '@antidote/core/formats/preprocessing';
import { createLabAttack, type LabAttackName } from '@antidote/core/lab';
import { evaluateAttack } from '@antidote/core/metrics';
import {
  assertModelFitsDataset,
  describeModelFiles,
  estimateJob,
  type JobWork,
  labelWithModel,
  largestFittingBatch,
  loadModelFromFiles,
  type ModelArchiveDescription,
  type ModelFiles,
  measureTrainThroughput,
  modelCost,
  unpackModelArchive,
  WASM_HEAP_BYTES,
} from '@antidote/core/models';
import { ThreadPool } from '@antidote/core/parallel';
import { describeRuntime, initRuntime, type RuntimeDescription, type tf } from '@antidote/core/runtime';

/** One progress event; `progress` is the share of the whole task done (0..1, never decreasing). */
export interface TaskProgress {
  phase: string;
  step?: number;
  totalSteps?: number;
  progress: number;
  metrics?: Record<string, number>;
  message?: string;
}

export type ProgressCallback = (event: TaskProgress) => void | Promise<void>;

/**
 * An attack the user knows (or the lab planted), to measure its success rate (ASR) on held-out
 * trusted images. `seed` and `params` must be the ones the attack was created with when its
 * trigger depends on them (BadNets' default checkerboard does not).
 */
export interface KnownAttack {
  name: string;
  targetClass: number;
  seed?: number;
  params?: Record<string, unknown>;
}

/**
 * A trusted dataset: one file (zip/tar of class folders, CIFAR-10 batch) or a pair (IDX or .npy
 * images + labels); scans and repairs also take images alone (see loadTrustedOrPseudoLabel).
 */
export type TrustedInput = Uint8Array | readonly DatasetFile[];

/**
 * Compute threads a task spreads its training and inversion over: the caller's pool's, else the
 * threads it was given on a wasm backend (one core per instance); native backends use every core
 * already, so they get one.
 */
export function computeThreads(input: { threads?: number; pool?: ThreadPool }): number {
  return input.pool?.size ?? (describeRuntime()?.backend === 'wasm' ? Math.max(1, input.threads ?? 1) : 1);
}

/** A pool of `threads` compute threads stopped by `signal`, or null for one thread (this one). */
export async function startPool(threads: number, signal?: AbortSignal): Promise<ThreadPool | null> {
  return threads > 1 ? ThreadPool.start({ threads, ...(signal ? { signal } : {}) }) : null;
}

/** Loads the best backend once per process; later calls reuse it (see initRuntime). */
export async function ensureRuntime(): Promise<RuntimeDescription> {
  return initRuntime();
}

// ---- errors -----------------------------------------------------------------------------------

/** Errors thrown by the caller's own callbacks; they are passed through untouched. */
const callerErrors = new WeakSet<object>();

/** Wraps a caller callback so its failures reach the caller as they were thrown. */
export function callerCallback<A extends unknown[]>(
  fn: ((...args: A) => void | Promise<void>) | undefined,
): ((...args: A) => Promise<void>) | undefined {
  if (!fn) return undefined;
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (error) {
      const tagged = typeof error === 'object' && error !== null ? error : new Error(String(error));
      callerErrors.add(tagged);
      throw tagged;
    }
  };
}

/**
 * What a task throws: AntidoteError (typed, with a user-facing message) for everything it
 * detects, CANCELLED once the signal fired, the caller's own callback errors unchanged, and
 * INTERNAL for anything unexpected (with the original as `cause`).
 */
export function toTaskError(error: unknown, signal?: AbortSignal): unknown {
  if (typeof error === 'object' && error !== null && callerErrors.has(error)) return error;
  if (isAntidoteError(error)) return error;
  if (signal?.aborted) return new AntidoteError('CANCELLED', 'Cancelled before completion.', { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RangeError && /allocation|Invalid (typed )?array length|out of memory/i.test(message)) {
    return new AntidoteError('TOO_LARGE', `The input needs more memory than this worker has (${message}).`, { cause: error });
  }
  return new AntidoteError('INTERNAL', `Unexpected failure: ${message.split('\n')[0]}`, { cause: error });
}

export function invalid(message: string): AntidoteError {
  return new AntidoteError('INVALID_INPUT', message);
}

export function positiveInteger(name: string, value: unknown, max = 1_000_000): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`${name} must be an integer in 1..${max}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

export function fraction(name: string, value: unknown, { open = false } = {}): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1 || (open && (value === 0 || value === 1))) {
    throw invalid(`${name} must be a number in ${open ? '(0, 1)' : '[0, 1]'}, got ${JSON.stringify(value)}.`);
  }
  return value;
}

export function seedOption(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw invalid(`seed must be an integer, got ${JSON.stringify(value)}.`);
  return value >>> 0;
}

// ---- inputs -----------------------------------------------------------------------------------

export interface LoadedModel {
  model: tf.LayersModel;
  files: ModelFiles;
  description: ModelArchiveDescription;
}

/**
 * Unpacks and loads a model archive. The description (from model.json alone) is checked before
 * TensorFlow sees the model, so a hostile upload fails with the same typed error as on upload.
 */
export async function loadModelArchive(bytes: Uint8Array): Promise<LoadedModel> {
  if (!(bytes instanceof Uint8Array)) throw invalid('The model must be given as the bytes of a model archive.');
  const files = unpackModelArchive(bytes);
  const description = describeModelFiles(files);
  const model = await loadModelFromFiles(files);
  return { model, files, description };
}

/** Imports the trusted data (archives get the model's channel count) and checks it fits the model. */
export async function loadTrusted(
  input: TrustedInput,
  model: tf.LayersModel,
  description: ModelArchiveDescription,
): Promise<ImageDataset> {
  const dataset = await importTrusted(input, model, description, false);
  assertModelFitsDataset(model, dataset);
  return dataset;
}

/**
 * Trusted data whose labels are the team's (`given`) or, for images that came without labels,
 * the suspect's own predictions (`model`): then every held-out figure is agreement with the
 * suspect, not accuracy, and a known attack's non-target images are chosen by those predictions.
 */
export interface TrustedData {
  dataset: ImageDataset;
  labels: 'given' | 'model';
}

/** As loadTrusted, but unlabelled images are accepted and labelled by the suspect (labelWithModel). */
export async function loadTrustedOrPseudoLabel(
  input: TrustedInput,
  model: tf.LayersModel,
  description: ModelArchiveDescription,
): Promise<TrustedData> {
  const data = await importTrusted(input, model, description, true);
  if (!isUnlabelled(data)) {
    assertModelFitsDataset(model, data);
    return { dataset: data, labels: 'given' };
  }
  return { dataset: await labelWithModel(model, data), labels: 'model' };
}

async function importTrusted(
  input: TrustedInput,
  model: tf.LayersModel,
  description: ModelArchiveDescription,
  allowUnlabelled: false,
): Promise<ImageDataset>;
async function importTrusted(
  input: TrustedInput,
  model: tf.LayersModel,
  description: ModelArchiveDescription,
  allowUnlabelled: true,
): Promise<ImportedImages>;
async function importTrusted(
  input: TrustedInput,
  model: tf.LayersModel,
  description: ModelArchiveDescription,
  allowUnlabelled: boolean,
): Promise<ImportedImages> {
  const files: DatasetFile[] =
    input instanceof Uint8Array ? [{ name: 'the trusted dataset', bytes: input }] : Array.isArray(input) ? [...input] : [];
  if (files.length === 0 || !files.every((f) => f && f.bytes instanceof Uint8Array)) {
    throw invalid('The trusted dataset must be given as bytes (one file, or a list of { name, bytes }).');
  }
  const channels = description.inputShape[2];
  let dataset = await importDataset(files, { ...(channels === 1 || channels === 3 ? { channels } : {}), allowUnlabelled });
  // an imported model (ONNX/Keras) states its input size: datasets are resized to it, bilinear
  // with half-pixel centres, as its preprocessing says by default
  const [height, width] = description.inputShape;
  const imported = model.layers.some((l) => l instanceof InputNormalization);
  if (imported && height && width && (dataset.height !== height || dataset.width !== width)) {
    dataset = resizeDataset(dataset, height, width, 'bilinear');
  }
  return dataset;
}

/** A digest of the inputs a resumable task depends on, so a checkpoint is never applied to other inputs. */
export function inputsDigest(parts: readonly (Uint8Array | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part) : part;
    hash.update(String(bytes.byteLength));
    hash.update(':');
    hash.update(bytes);
  }
  return hash.digest('hex');
}

export function trustedParts(input: TrustedInput): (Uint8Array | string)[] {
  return input instanceof Uint8Array ? [input] : input.flatMap((f) => [f.name, f.bytes]);
}

// ---- known attacks ----------------------------------------------------------------------------

export function checkKnownAttack(attack: KnownAttack | undefined, numClasses: number): KnownAttack | undefined {
  if (attack === undefined) return undefined;
  if (typeof attack !== 'object' || attack === null || typeof attack.name !== 'string') {
    throw invalid('knownAttack must be { name, targetClass, seed?, params? }.');
  }
  if (!Number.isInteger(attack.targetClass) || attack.targetClass < 0 || attack.targetClass >= numClasses) {
    throw invalid(
      `knownAttack.targetClass must be a class index in 0..${numClasses - 1}, got ${JSON.stringify(attack.targetClass)}.`,
    );
  }
  if (attack.seed !== undefined && !Number.isSafeInteger(attack.seed)) throw invalid('knownAttack.seed must be an integer.');
  if (
    attack.params !== undefined &&
    (typeof attack.params !== 'object' || attack.params === null || Array.isArray(attack.params))
  ) {
    throw invalid('knownAttack.params must be an object.');
  }
  return attack;
}

/** The held-out images with the attack's trigger stamped on (non-target classes, true labels). */
export function triggeredSet(attack: KnownAttack, images: ImageDataset): ImageDataset {
  const built = createLabAttack({
    name: attack.name as LabAttackName,
    poisonCount: 0,
    targetClass: attack.targetClass,
    seed: attack.seed ?? 0,
    ...(attack.params ? { params: attack.params } : {}),
  });
  return triggeredTestSet(built, images);
}

export async function attackSuccess(model: tf.LayersModel, triggered: ImageDataset, attack: KnownAttack): Promise<number> {
  return (await evaluateAttack(model, triggered, attack.targetClass)).asr;
}

// ---- progress ---------------------------------------------------------------------------------

/**
 * Maps phases with relative weights onto 0..1 and reports events through the caller's callback.
 * Progress never goes backwards (a retried phase re-reports earlier fractions; they are clamped).
 */
export class ProgressReporter {
  private readonly spans = new Map<string, { start: number; width: number }>();
  private last = 0;

  constructor(
    phases: readonly (readonly [string, number])[],
    private readonly callback: ((event: TaskProgress) => Promise<void>) | undefined,
    private readonly signal?: AbortSignal,
  ) {
    const total = phases.reduce((n, [, w]) => n + Math.max(0, w), 0) || 1;
    let start = 0;
    for (const [name, weight] of phases) {
      const width = Math.max(0, weight) / total;
      this.spans.set(name, { start, width });
      start += width;
    }
  }

  /** Reports `done` of `phase` (0..1) plus what the event carries; checks the signal after. */
  async report(
    span: string,
    done: number,
    event: Omit<TaskProgress, 'progress' | 'phase'> & { phase?: string } = {},
  ): Promise<void> {
    const { start, width } = this.spans.get(span) ?? { start: this.last, width: 0 };
    const value = Math.min(1, Math.max(this.last, start + width * Math.min(1, Math.max(0, done))));
    this.last = value;
    await this.callback?.({ ...event, phase: event.phase ?? span, progress: Number(value.toFixed(6)) });
    throwIfAborted(this.signal);
  }
}

export function elapsedMs(started: number): number {
  return Math.round(performance.now() - started);
}

/** A job's cost, measured and estimated before its long work starts (see core's `estimateJob`). */
export interface TaskEstimate {
  seconds: number;
  peakBytes: number;
  flops: number;
  flopsPerSecond: number;
  /** Images pushed through the model(s), in forward-pass equivalents of training and of prediction. */
  trainPasses: number;
  inferPasses: number;
}

export type EstimateCallback = (estimate: TaskEstimate) => Promise<void>;

/** About this many FLOPs per timed step, so timing a 224-px ResNet takes seconds, not minutes. */
const PROBE_FLOPS = 5e9;

/**
 * Share of the memory a job may plan for: the estimate is coarse, and tfjs's wasm allocator keeps
 * what it once grew to, so a job planned at the heap's very size would still abort.
 */
const MEMORY_PLANNING_SHARE = 0.8;

/** A job's share of the machine's memory when `concurrency` jobs run at once in one process. */
export function jobMemoryShare(concurrency: number): number {
  return Math.floor(totalmem() / Math.max(1, concurrency));
}

/**
 * The peak memory a job may plan for: its share of the machine (`machineShareBytes`, default the
 * whole machine), and on the wasm backend no more than the 32-bit heap of the job's thread.
 */
export function jobMemoryLimit(machineShareBytes?: number): number {
  const machine = machineShareBytes ?? totalmem();
  const backendLimit = describeRuntime()?.backend === 'wasm' ? WASM_HEAP_BYTES : Number.POSITIVE_INFINITY;
  return Math.floor(MEMORY_PLANNING_SHARE * Math.min(machine, backendLimit));
}

/** How a job's batches were fitted to its memory: `scale` 1 when they fit as asked. */
export interface MemoryFit {
  scale: number;
  limitBytes: number;
  /** The planned peak batch before fitting. */
  requestedPeakBatch: number;
}

/**
 * Fits a job's batches to its memory before the work starts: over the limit, every batch the job
 * runs shrinks by the same `scale` (a job that outgrows the wasm heap aborts the whole process).
 * TOO_LARGE when a single image does not fit.
 */
export function fitToMemory(model: tf.LayersModel, work: JobWork, limitBytes: number): MemoryFit {
  const fitted = largestFittingBatch(modelCost(model), work, limitBytes);
  if (fitted === 0) {
    throw new AntidoteError(
      'TOO_LARGE',
      `This model needs more than ${Math.round(limitBytes / 2 ** 20)} MB, the memory a job has on this worker, even one image at a time. Run it on a worker with a native backend and more memory.`,
    );
  }
  return { scale: fitted / Math.max(1, work.peakBatch), limitBytes, requestedPeakBatch: work.peakBatch };
}

/** A batch scaled down by a memory fit, at least one image. */
export function scaledBatch(batch: number, fit: MemoryFit): number {
  return fit.scale >= 1 ? batch : Math.max(1, Math.floor(batch * fit.scale));
}

/** Times this model on this worker, estimates the job, and hands the estimate to the caller. */
export async function reportEstimate(
  model: tf.LayersModel,
  work: JobWork,
  onEstimate: EstimateCallback | undefined,
): Promise<TaskEstimate> {
  const cost = modelCost(model);
  const batch = Math.max(1, Math.min(work.peakBatch, Math.floor(PROBE_FLOPS / Math.max(1, 3 * cost.forwardFlops))));
  const estimate = {
    ...estimateJob(cost, work, measureTrainThroughput(model, batch)),
    trainPasses: work.trainPasses,
    inferPasses: work.inferPasses,
  };
  await onEstimate?.(estimate);
  return estimate;
}
