/**
 * A compute thread of a ThreadPool: its own tfjs backend (wasm runs one core per instance, so a
 * thread is how a job gets another core) with Antidote's kernels, and the task handlers the pool
 * calls by name. Calls run one at a time in arrival order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PIVOTAL_TUNING_LOSS, pivotalTuningReplicaLoss } from '../defenses/pivotal-tuning-loss.ts';
import { ctiHandlers } from '../defenses/trigger-inversion/thread-handlers.ts';
import { isAntidoteError } from '../errors.ts';
import { initRuntime } from '../runtime/backend.ts';
import { createTrainingHandlers } from '../training/thread-handlers.ts';
import { builtinHandlers } from './builtin-handlers.ts';
import type { ThreadContext, ThreadHandler, ThreadHandlers } from './handler.ts';
import type { FromThread, ThreadInit, ToThread } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('parallel/thread.ts runs only as a worker thread');
const init = workerData as ThreadInit;
const post = (message: FromThread) => port.postMessage(message);
const describeError = (error: unknown) =>
  isAntidoteError(error)
    ? { code: error.code, message: error.message, details: { ...error.details } }
    : { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };

const trainingHandlers = createTrainingHandlers({ [PIVOTAL_TUNING_LOSS]: pivotalTuningReplicaLoss });
const handlers = new Map<string, ThreadHandler>(Object.entries({ ...builtinHandlers, ...ctiHandlers, ...trainingHandlers }));
const context: ThreadContext = { index: init.index, threads: init.threads, store: new Map() };
let queue: Promise<void> = Promise.resolve();

port.on('message', (message: ToThread) => {
  if (message.type !== 'call') return;
  queue = queue.then(async () => {
    const handler = handlers.get(message.handler);
    try {
      if (!handler) throw new Error(`compute threads have no handler "${message.handler}"`);
      const value = await (handler as (payload: unknown, context: ThreadContext) => unknown)(message.payload, context);
      post({ type: 'result', id: message.id, value });
    } catch (error) {
      post({ type: 'error', id: message.id, error: describeError(error) });
    }
  });
});

try {
  const runtime = await initRuntime({ backend: init.backend });
  for (const url of init.handlerModules) {
    const module = (await import(url)) as { handlers: ThreadHandlers };
    for (const [name, handler] of Object.entries(module.handlers)) handlers.set(name, handler);
  }
  post({ type: 'ready', backend: runtime.backend });
} catch (error) {
  post({ type: 'error', id: null, error: describeError(error) });
}
