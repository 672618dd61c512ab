/**
 * The seeded training loop shared by model training, attacks that control training, and the
 * defenses: augmentation, SGD/Adam, progress with ETA, cancellation, checkpoint and resume.
 * Batch order and augmentation derive from (seed, epoch, step), so a resumed run sees exactly
 * the batches the interrupted one would have.
 */
import * as tf from '@tensorflow/tfjs';
import { datasetSize, type ImageDataset } from '../datasets/image-dataset.ts';
import { AntidoteError, throwIfAborted } from '../errors.ts';
import { outputsProbabilities, outputToLogits } from '../models/features.ts';
import { loadModelFromFiles, type ModelFiles, saveModelToFiles } from '../models/model-io.ts';
import type { ThreadPool } from '../parallel/pool.ts';
import { createRng, shuffleInPlace } from '../random.ts';
import { type AugmentOptions, batchPixels, batchTensor, defaultAugment } from './batches.ts';
import { DataParallelTrainer } from './data-parallel.ts';

export type OptimizerName = 'sgd' | 'adam';

export interface OptimizerOptions {
  optimizer: OptimizerName;
  learningRate: number;
  /** SGD momentum (Nesterov). Ignored by Adam. */
  momentum?: number;
  /** Cosine decay of the learning rate to `learningRate * minLearningRateFactor` over the run. */
  cosineDecay?: boolean;
  minLearningRateFactor?: number;
  /** Share of the steps over which the learning rate ramps up linearly from ~0 (default 0). */
  warmupFraction?: number;
}

export interface TrainingProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  learningRate: number;
  imagesPerSecond: number;
  etaSeconds: number;
  /** Extra figures from `evaluate`, when it ran at this step. */
  metrics?: Record<string, number>;
}

export interface TrainingCheckpoint {
  step: number;
  model: ModelFiles;
  /** Optimizer slots (momentum, Adam moments, iteration count), in variable order. */
  optimizer: { name: string; shape: number[]; values: Float32Array }[];
}

/** The per-batch loss. The default is `crossEntropy` on the true labels. */
export type LossFunction = (context: {
  model: tf.LayersModel;
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
  step: number;
  /** Index in the step's batch of the first image here (a compute thread's share); 0 when whole. */
  batchOffset?: number;
}) => tf.Scalar;

/**
 * A custom loss that compute threads can rebuild on their replicas: the name of a factory their
 * handlers know (training/thread-handlers.ts), its plain settings, and the frozen models it reads.
 */
export interface ReplicaLoss {
  kind: string;
  settings: unknown;
  models?: Readonly<Record<string, tf.LayersModel>>;
  /** L2 decay of the kernels added to the loss (see weight-decay.ts); none when absent. */
  weightDecay?: number;
}

/** Cross-entropy on the labels (`crossEntropy`), which every compute thread builds itself. */
export const CROSS_ENTROPY_REPLICA_LOSS: ReplicaLoss = { kind: 'cross-entropy', settings: null };

/** Lets an attack or defense rewrite a batch before it becomes tensors (e.g. inject triggered samples). */
export type BatchHook = (
  batch: { indices: Int32Array; dataset: ImageDataset },
  step: number,
) => { dataset: ImageDataset; indices: Int32Array };

export interface TrainOptions extends OptimizerOptions {
  batchSize: number;
  /** Either epochs over the dataset or an explicit number of steps. */
  epochs?: number;
  steps?: number;
  seed: number;
  augment?: AugmentOptions;
  /** L2 penalty on kernels, added to the gradient (decoupled from the loss value). */
  weightDecay?: number;
  loss?: LossFunction;
  batchHook?: BatchHook;
  /**
   * Per-variable masks of which entries a step may change (1 = update, 0 = keep the old value);
   * null updates everything. Applied to the update, not the gradient, because Adam and momentum
   * would otherwise keep moving masked weights. The caller owns the masks.
   */
  updateMask?: (step: number, variables: readonly tf.Variable[]) => (tf.Tensor | null)[] | null;
  /** Variables to train; defaults to the model's trainable weights. */
  variables?: tf.Variable[];
  /**
   * Compute threads to split each batch over (data-parallel; see data-parallel.ts). A custom
   * `loss` is a closure no thread can run: it trains on this thread unless `replicaLoss` says how
   * the threads build the same loss.
   */
  pool?: ThreadPool;
  replicaLoss?: ReplicaLoss;
  signal?: AbortSignal;
  onProgress?: (progress: TrainingProgress) => void | Promise<void>;
  progressEvery?: number;
  /** Runs every `evaluateEvery` steps (and at the end); its figures are reported with progress. */
  evaluate?: (step: number) => Promise<Record<string, number>>;
  evaluateEvery?: number;
  onCheckpoint?: (checkpoint: TrainingCheckpoint) => void | Promise<void>;
  checkpointEvery?: number;
  resumeFrom?: TrainingCheckpoint;
}

export interface TrainResult {
  steps: number;
  finalLoss: number;
  seconds: number;
  imagesPerSecond: number;
  lastMetrics?: Record<string, number>;
}

export function createOptimizer(options: OptimizerOptions): tf.Optimizer {
  if (!(options.learningRate > 0)) {
    throw new AntidoteError('INVALID_INPUT', `learningRate must be > 0, got ${options.learningRate}.`);
  }
  return options.optimizer === 'adam'
    ? tf.train.adam(options.learningRate)
    : tf.train.momentum(options.learningRate, options.momentum ?? 0.9, true);
}

/**
 * Cross-entropy on the true labels. A softmax output is turned back into log-probabilities;
 * the caller decides that once (outputsProbabilities reads the layer config) instead of per step.
 */
export function crossEntropy(probabilities: boolean): LossFunction {
  return ({ model, images, labels }) => {
    const output = model.apply(images, { training: true }) as tf.Tensor2D;
    const logits = outputToLogits(output, probabilities) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar;
  };
}

/** Trainable tf.Variables of a layers model, in layer order (stable across save/load). */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

function learningRateAt(options: OptimizerOptions, step: number, totalSteps: number): number {
  const warmupSteps = Math.round((options.warmupFraction ?? 0) * totalSteps);
  if (step < warmupSteps) return (options.learningRate * (step + 1)) / (warmupSteps + 1);
  if (!options.cosineDecay) return options.learningRate;
  const floor = options.learningRate * (options.minLearningRateFactor ?? 0.01);
  const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
  return floor + 0.5 * (options.learningRate - floor) * (1 + Math.cos(Math.PI * progress));
}

/** SGD-family optimizers cache -lr as a scalar tensor; Adam reads its field on every step. */
function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const target = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof target.setLearningRate === 'function') target.setLearningRate(learningRate);
  else target.learningRate = learningRate;
}

/**
 * tfjs 4.22's MomentumOptimizer.dispose() overrides SGD's without calling it, leaking the cached
 * -lr scalar; release it too so long-running workers do not accumulate tensors.
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const cached = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (optimizer instanceof tf.MomentumOptimizer && cached && !cached.isDisposed) cached.dispose();
}

/** Epoch permutation from (seed, epoch): reproducible without storing it in checkpoints. */
function epochOrder(count: number, seed: number, epoch: number): Int32Array {
  const order = shuffleInPlace(
    Array.from({ length: count }, (_, i) => i),
    createRng((seed * 1_000_003 + epoch * 7919) >>> 0),
  );
  return Int32Array.from(order);
}

async function restoreCheckpoint(model: tf.LayersModel, optimizer: tf.Optimizer, checkpoint: TrainingCheckpoint): Promise<void> {
  const saved = await loadModelFromFiles(checkpoint.model);
  try {
    model.setWeights(saved.getWeights());
  } finally {
    saved.dispose();
  }
  const slots = checkpoint.optimizer.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape) }));
  // setWeights copies the values into new variables, so the temporaries are ours to release.
  await optimizer.setWeights(slots);
  for (const slot of slots) slot.tensor.dispose();
}

async function captureCheckpoint(model: tf.LayersModel, optimizer: tf.Optimizer, step: number): Promise<TrainingCheckpoint> {
  const weights = await optimizer.getWeights();
  const state = await Promise.all(
    weights.map(async (w) => ({ name: w.name, shape: w.tensor.shape, values: Float32Array.from(await w.tensor.data()) })),
  );
  // The slots are the optimizer's own variables, but getWeights() makes a fresh scalar for the
  // iteration count on every call: release it, or every checkpoint leaks a tensor.
  for (const w of weights) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  return { step, model: await saveModelToFiles(model), optimizer: state };
}

/** Trains `model` in place on `dataset`. Tensors created here are all released before it returns. */
export async function trainModel(model: tf.LayersModel, dataset: ImageDataset, options: TrainOptions): Promise<TrainResult> {
  const count = datasetSize(dataset);
  if (count === 0) throw new AntidoteError('INVALID_INPUT', 'Cannot train on an empty dataset.');
  if (!(options.batchSize >= 1)) throw new AntidoteError('INVALID_INPUT', `batchSize must be >= 1, got ${options.batchSize}.`);
  const stepsPerEpoch = Math.ceil(count / options.batchSize);
  const totalSteps = options.steps ?? Math.round((options.epochs ?? 1) * stepsPerEpoch);
  if (!(totalSteps >= 1)) throw new AntidoteError('INVALID_INPUT', 'Training needs at least one step (set epochs or steps).');
  const augment = options.augment ?? defaultAugment(dataset);
  const lossFunction = options.loss ?? crossEntropy(outputsProbabilities(model));
  const variables = options.variables ?? trainableVariables(model);
  const optimizer = createOptimizer(options);
  const progressEvery = options.progressEvery ?? 20;
  // Loaded or cloned models get renamed variables (`.../kernel_1`); the original name is stable.
  const kernels = new Set(model.trainableWeights.filter((w) => /kernel$/.test(w.originalName ?? w.name)).map((w) => w.read().id));

  let startStep = 0;
  if (options.resumeFrom) {
    await restoreCheckpoint(model, optimizer, options.resumeFrom);
    startStep = options.resumeFrom.step;
  }

  const parallel =
    options.pool?.running && (!options.loss || options.replicaLoss)
      ? await DataParallelTrainer.start(options.pool, model, {
          variables,
          probabilities: outputsProbabilities(model),
          loss: options.loss && options.replicaLoss ? options.replicaLoss : CROSS_ENTROPY_REPLICA_LOSS,
          // A batch hook may add images (e.g. triggered copies) to a batch.
          maxBatch: 2 * options.batchSize,
        })
      : null;
  const started = performance.now();
  let order = epochOrder(count, options.seed, Math.floor(startStep / stepsPerEpoch));
  let lastLoss = Number.NaN;
  let lastMetrics: Record<string, number> | undefined;
  let imagesSeen = 0;
  let currentLearningRate = options.learningRate;
  try {
    for (let step = startStep; step < totalSteps; step++) {
      throwIfAborted(options.signal);
      const epoch = Math.floor(step / stepsPerEpoch);
      const offset = (step % stepsPerEpoch) * options.batchSize;
      if (offset === 0 && step !== startStep) order = epochOrder(count, options.seed, epoch);
      let batch = { dataset, indices: order.subarray(offset, Math.min(count, offset + options.batchSize)) };
      if (options.batchHook) batch = options.batchHook(batch, step);
      const rng = createRng((options.seed * 2_654_435_761 + step * 40_503) >>> 0);
      const learningRate = learningRateAt(options, step, totalSteps);
      if (learningRate !== currentLearningRate) {
        setLearningRate(optimizer, learningRate);
        currentLearningRate = learningRate;
      }
      const mask = options.updateMask?.(step, variables) ?? null;

      // Weight decay, then the optimizer, then the mask: one update however the gradients were computed.
      const update = (grads: tf.NamedTensorMap) => {
        const named: tf.NamedTensorMap = {};
        for (const v of variables) {
          let g = grads[v.name];
          if (!g) continue;
          if (options.weightDecay && kernels.has(v.id)) g = tf.add(g, tf.mul(v, options.weightDecay));
          named[v.name] = g;
        }
        const previous = mask ? variables.map((v, i) => (mask[i] ? tf.clone(v) : null)) : null;
        optimizer.applyGradients(named);
        previous?.forEach((old, i) => {
          const m = mask?.[i];
          const v = variables[i];
          if (old && m && v) v.assign(tf.add(old, tf.mul(m, tf.sub(v, old))));
        });
      };
      let lossTensor: tf.Tensor;
      if (parallel) {
        const labels = Int32Array.from(batch.indices, (i) => batch.dataset.labels[i] ?? 0);
        const { grads, loss } = await parallel.step(batchPixels(batch.dataset, batch.indices, augment, rng), labels, step);
        tf.tidy(() => update(grads));
        tf.dispose(grads);
        lossTensor = tf.scalar(loss);
      } else {
        lossTensor = tf.tidy(() => {
          const images = batchTensor(batch.dataset, batch.indices, augment, rng);
          const labels = tf.tensor1d(
            Int32Array.from(batch.indices, (i) => batch.dataset.labels[i] ?? 0),
            'int32',
          );
          const { value, grads } = tf.variableGrads(() => lossFunction({ model, images, labels, step }), variables);
          update(grads);
          return value;
        });
      }
      imagesSeen += batch.indices.length;

      const done = step + 1;
      const reportNow = done % progressEvery === 0 || done === totalSteps;
      const evaluateNow =
        options.evaluate && ((options.evaluateEvery && done % options.evaluateEvery === 0) || done === totalSteps);
      if (reportNow || evaluateNow) {
        lastLoss = (await lossTensor.data())[0] ?? Number.NaN;
        if (!Number.isFinite(lastLoss)) {
          lossTensor.dispose();
          throw new AntidoteError(
            'INVALID_INPUT',
            `Training diverged at step ${done} (loss ${lastLoss}); lower the learning rate.`,
          );
        }
      }
      lossTensor.dispose();
      if (evaluateNow && options.evaluate) lastMetrics = await options.evaluate(done);
      if (reportNow || evaluateNow) {
        const seconds = (performance.now() - started) / 1000;
        const rate = imagesSeen / Math.max(seconds, 1e-9);
        await options.onProgress?.({
          step: done,
          totalSteps,
          epoch,
          loss: lastLoss,
          learningRate,
          imagesPerSecond: rate,
          etaSeconds: ((totalSteps - done) * options.batchSize) / Math.max(rate, 1e-9),
          ...(evaluateNow && lastMetrics ? { metrics: lastMetrics } : {}),
        });
      } else if (done % 4 === 0) {
        // Yield to the event loop so an abort (or a progress consumer) gets a chance to run.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (options.onCheckpoint && options.checkpointEvery && done % options.checkpointEvery === 0 && done < totalSteps) {
        await options.onCheckpoint(await captureCheckpoint(model, optimizer, done));
      }
    }
  } finally {
    disposeOptimizer(optimizer);
    await parallel?.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    steps: totalSteps - startStep,
    finalLoss: lastLoss,
    seconds,
    imagesPerSecond: imagesSeen / Math.max(seconds, 1e-9),
    ...(lastMetrics ? { lastMetrics } : {}),
  };
}
