/**
 * Runs one compute task (scan, repair, evaluate, sweep) on a worker thread: TensorFlow.js steps
 * are synchronous, and in the embedded product the gateway shares this process, so the tasks
 * must never run on the main event loop. Bytes in, result out; progress, checkpoints and
 * cancellation cross as messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isAntidoteError } from '@antidote/core/errors';
import { type BackendChoice, initRuntime } from '@antidote/core/runtime';
import { runEvaluate } from '../tasks/evaluate.ts';
import { runExport, runImport } from '../tasks/import.ts';
import { runRepair } from '../tasks/repair.ts';
import { runScan } from '../tasks/scan.ts';
import { runSweep } from '../tasks/sweep.ts';
import type { ThreadMessage, ThreadRequest } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('thread/thread.ts runs only as a worker thread');
const request = workerData as ThreadRequest;
const controller = new AbortController();
let nextAck = 0;
const pendingAcks = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

port.on('message', (message: { type: 'abort'; reason: string } | { type: 'ack'; id: number; error?: string }) => {
  if (message.type === 'abort') controller.abort(new Error(message.reason));
  if (message.type === 'ack') {
    const pending = pendingAcks.get(message.id);
    pendingAcks.delete(message.id);
    if (message.error) pending?.reject(new Error(message.error));
    else pending?.resolve();
  }
});

const post = (message: ThreadMessage) => port.postMessage(message);
/** Posts and waits until the main thread has handled it (checkpoints must be stored before going on). */
const call = (message: ThreadMessage) =>
  new Promise<void>((resolve, reject) => {
    const id = nextAck++;
    pendingAcks.set(id, { resolve, reject });
    port.postMessage({ ...message, ackId: id });
  });

const hooks = {
  signal: controller.signal,
  onProgress: (event: unknown) => post({ type: 'progress', event }),
};
const memoryLimit = request.memoryLimitBytes ? { memoryLimitBytes: request.memoryLimitBytes } : {};
/** Scans and repairs hand over their estimate before the long work, and wait until it is stored. */
const onEstimate = (estimate: unknown) => call({ type: 'estimate', payload: estimate });

async function run(): Promise<unknown> {
  await initRuntime(request.backend ? { backend: request.backend as BackendChoice } : {});
  switch (request.task) {
    case 'scan':
      return runScan({
        ...(request.input as Parameters<typeof runScan>[0]),
        ...hooks,
        onEstimate,
        threads: request.threads,
        ...memoryLimit,
        onCheckpoint: (checkpoint) => call({ type: 'checkpoint', payload: checkpoint }),
      });
    case 'evaluate':
      return runEvaluate({ ...(request.input as Parameters<typeof runEvaluate>[0]), ...hooks, threads: request.threads });
    case 'repair':
      return runRepair({
        ...(request.input as Parameters<typeof runRepair>[0]),
        ...hooks,
        onEstimate,
        threads: request.threads,
        ...memoryLimit,
        onCheckpoint: (checkpoint) => call({ type: 'checkpoint', payload: checkpoint }),
      });
    case 'import':
      return runImport({ ...(request.input as Parameters<typeof runImport>[0]), ...hooks });
    case 'export':
      return runExport({ ...(request.input as Parameters<typeof runExport>[0]), ...hooks });
    case 'sweep':
      return runSweep({
        ...(request.input as Parameters<typeof runSweep>[0]),
        ...hooks,
        threads: request.threads,
        onModelDone: (model) => call({ type: 'checkpoint', payload: model }),
      });
  }
}

try {
  post({ type: 'result', result: await run() });
} catch (error) {
  post({
    type: 'error',
    error: isAntidoteError(error)
      ? { code: error.code, message: error.message, details: error.details }
      : { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) },
  });
}
