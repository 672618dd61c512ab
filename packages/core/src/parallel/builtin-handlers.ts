/** Handlers every compute thread has: keep and drop models and values, report tensor counts. */
import * as tf from '@tensorflow/tfjs';
import { loadModelFromFiles, type ModelFiles } from '../models/model-io.ts';
import type { ThreadContext, ThreadHandlers } from './handler.ts';

function release(value: unknown): void {
  if (value instanceof tf.LayersModel) value.dispose();
}

export const builtinHandlers = {
  /** Keeps a model (topology JSON + weights) under `key`, replacing (and releasing) an older one. */
  'load-model': async ({ key, files }: { key: string; files: ModelFiles }, { store }: ThreadContext) => {
    const model = await loadModelFromFiles(files);
    release(store.get(key));
    store.set(key, model);
    return null;
  },
  /** Keeps a plain value (a dataset, settings, shared buffers) under `key`. */
  put: ({ key, value }: { key: string; value: unknown }, { store }: ThreadContext) => {
    release(store.get(key));
    store.set(key, value);
    return null;
  },
  drop: ({ keys }: { keys: readonly string[] }, { store }: ThreadContext) => {
    for (const key of keys) {
      release(store.get(key));
      store.delete(key);
    }
    return null;
  },
  memory: () => {
    const { numTensors, numBytes } = tf.memory();
    return { numTensors, numBytes };
  },
  /** A forward pass of a kept model on a seeded random batch: a unit of work for tests and warm-up. */
  predict: ({ key, batch, seed }: { key: string; batch: number; seed: number }, { store }: ThreadContext) => {
    const model = store.get(key) as tf.LayersModel;
    const shape = model.inputs[0]?.shape.slice(1) as number[];
    return tf.tidy(() =>
      Array.from((model.predict(tf.randomUniform([batch, ...shape], 0, 1, 'float32', seed)) as tf.Tensor).dataSync()),
    );
  },
} satisfies ThreadHandlers;
