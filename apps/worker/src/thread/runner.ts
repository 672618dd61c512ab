/** Starts a task thread per job and relays its progress, checkpoints, cancellation and outcome. */
import { Worker } from 'node:worker_threads';
import { AntidoteError, type ErrorCode } from '@antidote/core/errors';
import type { ThreadMessage, ThreadRequest } from './protocol.ts';

export interface TaskHooks {
  backend?: string | undefined;
  /** Compute threads the task may spread over; default 1. */
  threads?: number;
  /** The job's share of the machine's memory; scans and repairs fit their batches to it. */
  memoryLimitBytes?: number;
  signal?: AbortSignal;
  onProgress?: (event: unknown) => void;
  /** Awaited before the thread goes on (a checkpoint must be stored first). */
  onCheckpoint?: (payload: unknown) => Promise<void>;
  /** Awaited like a checkpoint: the job's limits follow the estimate before the work starts. */
  onEstimate?: (payload: unknown) => Promise<void>;
}

const threadEntry = new URL('./entry.mjs', import.meta.url);

export function runTaskInThread<T>(task: ThreadRequest['task'], input: unknown, hooks: TaskHooks = {}): Promise<T> {
  const request: ThreadRequest = {
    task,
    input,
    backend: hooks.backend,
    threads: hooks.threads ?? 1,
    ...(hooks.memoryLimitBytes ? { memoryLimitBytes: hooks.memoryLimitBytes } : {}),
  };
  const worker = new Worker(threadEntry, { workerData: request });
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      outcome();
      void worker.terminate();
    };
    const onAbort = () =>
      worker.postMessage({ type: 'abort', reason: String((hooks.signal?.reason as Error | undefined)?.message ?? 'aborted') });
    if (hooks.signal?.aborted) onAbort();
    hooks.signal?.addEventListener('abort', onAbort);
    worker.on('message', (message: ThreadMessage) => {
      switch (message.type) {
        case 'progress':
          hooks.onProgress?.(message.event);
          break;
        case 'checkpoint':
        case 'estimate':
          void (async () => {
            try {
              await (message.type === 'checkpoint' ? hooks.onCheckpoint : hooks.onEstimate)?.(message.payload);
              worker.postMessage({ type: 'ack', id: message.ackId });
            } catch (error) {
              worker.postMessage({
                type: 'ack',
                id: message.ackId,
                error: error instanceof Error ? error.message : String(error),
              });
            }
          })();
          break;
        case 'result':
          finish(() => resolve(message.result as T));
          break;
        case 'error':
          finish(() =>
            reject(
              new AntidoteError(message.error.code as ErrorCode, message.error.message, {
                details: { ...message.error.details },
              }),
            ),
          );
          break;
      }
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the task thread stopped (exit code ${code}) before reporting`))));
  });
}
