/** Compute-thread handlers of data-parallel training: one replica's share of a step per call. */
import * as tf from '@tensorflow/tfjs';
import { AntidoteError } from '../errors.ts';
import type { ThreadContext, ThreadHandlers } from '../parallel/handler.ts';
import { REPLICA_LOSS_MODEL, REPLICA_MODEL, REPLICA_SETUP, type ReplicaSetup } from './data-parallel.ts';
import { CROSS_ENTROPY_REPLICA_LOSS, crossEntropy, type LossFunction } from './train.ts';
import { kernelVariables, withWeightDecay } from './weight-decay.ts';

/** Builds a replica loss (see ReplicaLoss) from the replica, the loss's frozen models and its settings. */
// biome-ignore lint/suspicious/noExplicitAny: each factory declares its own settings type
export type ReplicaLossFactory = (model: tf.LayersModel, models: Record<string, tf.LayersModel>, settings: any) => LossFunction;

const LOSS_CACHE = 'train:loss';

/** The loss of the current setup, built once per setup (a new setup is a new object in the store). */
function replicaLoss(
  store: Map<string, unknown>,
  model: tf.LayersModel,
  setup: ReplicaSetup,
  factories: Record<string, ReplicaLossFactory>,
) {
  const cached = store.get(LOSS_CACHE) as { setup: ReplicaSetup; model: tf.LayersModel; loss: LossFunction } | undefined;
  if (cached && cached.setup === setup && cached.model === model) return cached.loss;
  let loss: LossFunction;
  if (setup.loss.kind === CROSS_ENTROPY_REPLICA_LOSS.kind) {
    loss = crossEntropy(setup.probabilities);
  } else {
    const factory = factories[setup.loss.kind];
    if (!factory) throw new AntidoteError('INTERNAL', `Compute threads have no replica loss "${setup.loss.kind}".`);
    const models: Record<string, tf.LayersModel> = {};
    for (const name of setup.loss.models) {
      const frozen = store.get(REPLICA_LOSS_MODEL + name) as tf.LayersModel | undefined;
      if (!frozen) throw new AntidoteError('INTERNAL', `The replica loss's model "${name}" was not loaded.`);
      models[name] = frozen;
    }
    loss = factory(model, models, setup.loss.settings);
  }
  if (setup.loss.weightDecay > 0) loss = withWeightDecay(loss, kernelVariables(model), setup.loss.weightDecay);
  store.set(LOSS_CACHE, { setup, model, loss });
  return loss;
}

/** The data-parallel handlers, able to build the custom losses `factories` names. */
export const createTrainingHandlers = (factories: Record<string, ReplicaLossFactory>) =>
  ({
    /**
     * Loads the caller's weights, computes the loss and gradients of images [start, end) of the
     * shared batch, and writes them, weighted by the share's part of the batch, to this thread's slot.
     */
    'train-step': (
      { start, end, count, step }: { start: number; end: number; count: number; step: number },
      { store, index }: ThreadContext,
    ) => {
      const model = store.get(REPLICA_MODEL) as tf.LayersModel | undefined;
      const setup = store.get(REPLICA_SETUP) as ReplicaSetup | undefined;
      if (!model || !setup) throw new AntidoteError('INTERNAL', 'train-step ran before the replica was set up.');
      const { layout, buffers, imageShape } = setup;
      const imageSize = imageShape[0] * imageShape[1] * imageShape[2];
      const shared = new Float32Array(buffers.weights);
      const slot = new Float32Array(buffers.slots[index] as SharedArrayBuffer);
      const variables = model.weights.map((w) => w.read() as tf.Variable);
      const share = (end - start) / count;
      tf.tidy(() => {
        for (const [i, entry] of layout.weights.entries()) {
          variables[i]?.assign(tf.tensor(shared.slice(entry.offset, entry.offset + entry.size), entry.shape));
        }
      });
      const trained = variables.filter((_, i) => layout.weights[i]?.kind === 'grad');
      tf.tidy(() => {
        const images = tf.tensor4d(new Float32Array(buffers.pixels, start * imageSize * 4, (end - start) * imageSize).slice(), [
          end - start,
          ...imageShape,
        ]);
        const labels = tf.tensor1d(new Int32Array(buffers.labels, start * 4, end - start).slice(), 'int32');
        const loss = replicaLoss(store, model, setup, factories);
        const { value, grads } = tf.variableGrads(() => loss({ model, images, labels, step, batchOffset: start }), trained);
        for (const [i, entry] of layout.weights.entries()) {
          const variable = variables[i] as tf.Variable;
          if (entry.kind === 'fixed') continue;
          const values =
            entry.kind === 'grad' ? (grads[variable.name] ?? tf.zerosLike(variable)).dataSync() : variable.dataSync();
          // Trained weights: the share's gradient; BatchNorm statistics: how far this share moved them.
          for (let j = 0; j < entry.size; j++) {
            const v = values[j] as number;
            slot[entry.offset + j] = (entry.kind === 'grad' ? v : v - (shared[entry.offset + j] as number)) * share;
          }
        }
        slot[layout.total] = (value.dataSync()[0] ?? Number.NaN) * share;
      });
      // The caller checks that a thread's tensor count stays flat from step to step.
      return tf.memory().numTensors;
    },
  }) satisfies ThreadHandlers;
