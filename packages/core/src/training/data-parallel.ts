/**
 * Data-parallel training steps on a ThreadPool: each thread holds a replica of the model and
 * computes the loss and gradients of its share of the batch; the shares' gradients are summed
 * through shared memory, the caller applies one optimizer update to its own model, and the new
 * weights reach the replicas through shared memory at the next step. Only small step messages
 * cross by postMessage; weights, batches and gradients never do.
 *
 * BatchNorm: each replica normalises its share with that share's own batch statistics (as
 * PyTorch's DDP does without SyncBatchNorm), and the moving averages advance by the
 * share-weighted mean of the replicas' updates, which for the moving mean equals the full-batch
 * update exactly and for the moving variance leaves out only the spread between the shares'
 * means. Synchronising the statistics inside the forward pass would cost a round trip per
 * BatchNorm layer per step, which tfjs's layers cannot pause for.
 */
import * as tf from '@tensorflow/tfjs';
import { AntidoteError } from '../errors.ts';
import { saveModelToFiles } from '../models/model-io.ts';
import type { ThreadPool } from '../parallel/pool.ts';
import type { ReplicaLoss } from './train.ts';

/** Where each of the model's weights lives in the shared buffers. */
export interface ReplicaLayout {
  /** Per entry of `model.weights`: offset (in floats) and size; `grad` when it is trained, else its change is summed. */
  weights: { offset: number; size: number; shape: number[]; kind: 'grad' | 'delta' | 'fixed' }[];
  /** Floats of all weights; a slot adds one for the loss. */
  total: number;
}

export interface ReplicaBuffers {
  /** The caller's current weights, read by every replica at the start of a step. */
  weights: SharedArrayBuffer;
  /** One slot per thread: its share-weighted gradients (trained weights) or changes (BatchNorm statistics), then its loss. */
  slots: SharedArrayBuffer[];
  /** The batch's pixels (NHWC floats) and labels. */
  pixels: SharedArrayBuffer;
  labels: SharedArrayBuffer;
}

export const REPLICA_MODEL = 'train:model';
export const REPLICA_SETUP = 'train:setup';
/** Key prefix of the frozen models a replica loss reads (e.g. `train:loss-model:pivot`). */
export const REPLICA_LOSS_MODEL = 'train:loss-model:';

export interface ReplicaSetup {
  layout: ReplicaLayout;
  buffers: ReplicaBuffers;
  imageShape: [number, number, number];
  probabilities: boolean;
  /** The loss the threads build with their factory `kind`, the frozen models it reads by name. */
  loss: { kind: string; settings: unknown; models: string[]; weightDecay: number };
}

export interface ParallelStep {
  /** Summed gradient per trained variable (by variable name); the caller disposes them. */
  grads: tf.NamedTensorMap;
  loss: number;
  /** Each thread's tensor count after its share (flat from step to step unless a replica leaks). */
  threadTensors: number[];
}

/** The caller's side of data-parallel training over `pool` (see the module comment). */
export class DataParallelTrainer {
  readonly #pool: ThreadPool;
  readonly #model: tf.LayersModel;
  readonly #layout: ReplicaLayout;
  readonly #buffers: ReplicaBuffers;
  readonly #imageSize: number;
  readonly #maxBatch: number;
  readonly #lossModels: string[];

  private constructor(pool: ThreadPool, model: tf.LayersModel, setup: ReplicaSetup, maxBatch: number) {
    this.#pool = pool;
    this.#model = model;
    this.#layout = setup.layout;
    this.#buffers = setup.buffers;
    this.#imageSize = setup.imageShape[0] * setup.imageShape[1] * setup.imageShape[2];
    this.#maxBatch = maxBatch;
    this.#lossModels = setup.loss.models;
  }

  /** Sends `model` to every thread and sets up the shared buffers for batches of up to `maxBatch`. */
  static async start(
    pool: ThreadPool,
    model: tf.LayersModel,
    options: { variables: readonly tf.Variable[]; probabilities: boolean; maxBatch: number; loss: ReplicaLoss },
  ): Promise<DataParallelTrainer> {
    const trained = new Set(options.variables.map((v) => v.id));
    const trainable = new Set(model.trainableWeights.map((w) => w.read().id));
    let total = 0;
    const weights = model.weights.map((w) => {
      const variable = w.read();
      const entry = {
        offset: total,
        size: variable.size,
        shape: variable.shape,
        kind: trained.has(variable.id) ? ('grad' as const) : trainable.has(variable.id) ? ('fixed' as const) : ('delta' as const),
      };
      total += variable.size;
      return entry;
    });
    if (weights.filter((w) => w.kind === 'grad').length !== trained.size) {
      throw new AntidoteError('INVALID_INPUT', 'Data-parallel training trains only weights of the model itself.');
    }
    const shape = model.inputs[0]?.shape.slice(1) as [number, number, number];
    const floats = (n: number) => new SharedArrayBuffer(n * Float32Array.BYTES_PER_ELEMENT);
    const setup: ReplicaSetup = {
      layout: { weights, total },
      buffers: {
        weights: floats(total),
        slots: Array.from({ length: pool.size }, () => floats(total + 1)),
        pixels: floats(options.maxBatch * shape[0] * shape[1] * shape[2]),
        labels: new SharedArrayBuffer(options.maxBatch * Int32Array.BYTES_PER_ELEMENT),
      },
      imageShape: shape,
      probabilities: options.probabilities,
      loss: {
        kind: options.loss.kind,
        settings: options.loss.settings,
        models: Object.keys(options.loss.models ?? {}),
        weightDecay: options.loss.weightDecay ?? 0,
      },
    };
    await pool.loadModel(REPLICA_MODEL, await saveModelToFiles(model));
    for (const [name, frozen] of Object.entries(options.loss.models ?? {})) {
      await pool.loadModel(REPLICA_LOSS_MODEL + name, await saveModelToFiles(frozen));
    }
    await pool.broadcast('put', { key: REPLICA_SETUP, value: setup });
    return new DataParallelTrainer(pool, model, setup, options.maxBatch);
  }

  /**
   * One step's gradients of the mean loss over `count` images (pixels and labels as a serial step
   * would build them), shared across the threads; BatchNorm statistics of the caller's model
   * advance here too. The caller applies the gradients.
   */
  async step(pixels: Float32Array, labels: Int32Array, step: number): Promise<ParallelStep> {
    const count = labels.length;
    if (count > this.#maxBatch)
      throw new AntidoteError('INVALID_INPUT', `A batch of ${count} exceeds the ${this.#maxBatch} set up.`);
    new Float32Array(this.#buffers.pixels, 0, count * this.#imageSize).set(pixels);
    new Int32Array(this.#buffers.labels, 0, count).set(labels);
    const shared = new Float32Array(this.#buffers.weights);
    const variables = this.#model.weights.map((w) => w.read());
    for (const [i, entry] of this.#layout.weights.entries()) {
      shared.set((variables[i] as tf.Tensor).dataSync() as Float32Array, entry.offset);
    }
    // Shares as even as possible, in thread order: a fixed thread count gives a fixed split.
    const threads = Math.min(this.#pool.size, count);
    const threadTensors = await Promise.all(
      Array.from({ length: threads }, (_, k) =>
        this.#pool.call<number>(k, 'train-step', {
          start: Math.floor((k * count) / threads),
          end: Math.floor(((k + 1) * count) / threads),
          count,
          step,
        }),
      ),
    );
    // Sum the slots in thread order (deterministic), weight by weight.
    const slots = this.#buffers.slots.slice(0, threads).map((b) => new Float32Array(b));
    const grads: tf.NamedTensorMap = {};
    let loss = 0;
    for (const slot of slots) loss += slot[this.#layout.total] ?? 0;
    for (const [i, entry] of this.#layout.weights.entries()) {
      if (entry.kind === 'fixed') continue;
      const sum = new Float32Array(entry.size);
      for (const slot of slots) {
        const part = slot.subarray(entry.offset, entry.offset + entry.size);
        for (let j = 0; j < entry.size; j++) sum[j] = (sum[j] as number) + (part[j] as number);
      }
      const variable = variables[i] as tf.Variable;
      if (entry.kind === 'grad') {
        grads[variable.name] = tf.tensor(sum, entry.shape);
      } else if (sum.some((v) => v !== 0)) {
        const current = shared.subarray(entry.offset, entry.offset + entry.size);
        for (let j = 0; j < entry.size; j++) sum[j] = (sum[j] as number) + (current[j] as number);
        tf.tidy(() => variable.assign(tf.tensor(sum, entry.shape)));
      }
    }
    return { grads, loss, threadTensors };
  }

  /** Releases the replicas (the pool keeps running). */
  async dispose(): Promise<void> {
    const lossModels = this.#lossModels.map((name) => REPLICA_LOSS_MODEL + name);
    if (this.#pool.running) await this.#pool.broadcast('drop', { keys: [REPLICA_MODEL, REPLICA_SETUP, ...lossModels] });
  }
}
