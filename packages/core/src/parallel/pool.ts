/**
 * A pool of compute threads for one job. tfjs's wasm backend runs on one core per instance (tfjs
 * turns wasm threads off in Node), so a job uses more cores only through more instances: each
 * thread loads its own backend with Antidote's kernels, gets models as topology JSON + weights,
 * and runs named handlers (see thread.ts). Threads stop when the pool closes, when the job's
 * AbortSignal fires, and on SIGTERM in a main thread; a thread that crashes fails every call of
 * the pool with an AntidoteError.
 */
import os from 'node:os';
import { isMainThread, type Transferable, Worker } from 'node:worker_threads';
import { AntidoteError, type ErrorCode } from '../errors.ts';
import type { ModelFiles } from '../models/model-io.ts';
import { type BackendChoice, describeRuntime } from '../runtime/backend.ts';
import type { FromThread, ThreadInit, ToThread } from './protocol.ts';

export interface ThreadPoolOptions {
  /** Threads to start; default `defaultThreadCount()`. */
  threads?: number;
  /** Backend of every thread; default the backend this process runs, else wasm. */
  backend?: BackendChoice;
  /** The job's signal: aborting it stops every thread and rejects their calls with CANCELLED. */
  signal?: AbortSignal;
  /** URLs of extra handler modules each thread imports (each exports `handlers`). */
  handlerModules?: readonly string[];
}

/** The cores this process may use (cgroup and affinity aware). */
export function defaultThreadCount(): number {
  return Math.max(1, os.availableParallelism());
}

// The production bundles build thread.ts to a file of this name next to themselves.
const threadEntry = new URL('./pool-thread.mjs', import.meta.url);

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  exited: Promise<void>;
}

function toError(error: { code: string; message: string; details?: Record<string, unknown> }): AntidoteError {
  return new AntidoteError(error.code as ErrorCode, error.message, { details: { ...error.details } });
}

export class ThreadPool {
  readonly size: number;
  readonly backend: BackendChoice;
  readonly #slots: Slot[];
  #nextId = 0;
  #failure: AntidoteError | null = null;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () =>
    void this.#stop(new AntidoteError('CANCELLED', 'Cancelled before completion.', { cause: this.#signal?.reason }));
  readonly #onSigterm = () => {
    void this.#stop(new AntidoteError('CANCELLED', 'Stopped by SIGTERM.')).then(() => {
      // Our listener replaced the default action; with no other listener, die as SIGTERM would have.
      if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
    });
  };

  private constructor(slots: Slot[], backend: BackendChoice, signal: AbortSignal | undefined) {
    this.#slots = slots;
    this.size = slots.length;
    this.backend = backend;
    this.#signal = signal;
  }

  /** Starts the threads and waits until each has its backend and handlers. */
  static async start(options: ThreadPoolOptions = {}): Promise<ThreadPool> {
    const threads = options.threads ?? defaultThreadCount();
    if (!(Number.isInteger(threads) && threads >= 1 && threads <= 256)) {
      throw new AntidoteError('INVALID_INPUT', `threads must be an integer in 1..256, got ${threads}.`);
    }
    if (options.signal?.aborted)
      throw new AntidoteError('CANCELLED', 'Cancelled before completion.', { cause: options.signal.reason });
    const backend = options.backend ?? (describeRuntime()?.backend === 'cpu' ? 'cpu' : 'wasm');
    const ready: Promise<void>[] = [];
    const slots = Array.from({ length: threads }, (_, index): Slot => {
      const init: ThreadInit = { index, threads, backend, handlerModules: options.handlerModules ?? [] };
      const worker = new Worker(threadEntry, { workerData: init });
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onMessage = (message: FromThread) => {
            if (message.type === 'ready') resolve();
            else if (message.type === 'error' && message.id === null) reject(toError(message.error));
            if (message.type === 'ready' || message.id === null) worker.off('message', onMessage);
          };
          worker.on('message', onMessage);
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`exit code ${code}`)));
        }),
      );
      return { worker, pending: new Map(), exited: new Promise((resolve) => worker.once('exit', () => resolve())) };
    });
    const pool = new ThreadPool(slots, backend, options.signal);
    try {
      await Promise.all(ready);
    } catch (cause) {
      await pool.#stop(
        new AntidoteError('BACKEND_UNAVAILABLE', `A compute thread failed to start: ${(cause as Error).message}`, { cause }),
      );
      throw pool.#failure;
    }
    for (const [index, slot] of slots.entries()) pool.#watch(index, slot);
    options.signal?.addEventListener('abort', pool.#onAbort, { once: true });
    if (isMainThread) process.on('SIGTERM', pool.#onSigterm);
    return pool;
  }

  #watch(index: number, slot: Slot): void {
    slot.worker.on('message', (message: FromThread) => {
      if (message.type === 'ready' || message.id === null) return;
      const pending = slot.pending.get(message.id);
      slot.pending.delete(message.id);
      if (message.type === 'result') pending?.resolve(message.value);
      else pending?.reject(toError(message.error));
    });
    const crashed = (reason: string, cause?: unknown) => {
      if (this.#failure) return;
      void this.#stop(
        new AntidoteError('INTERNAL', `Compute thread ${index + 1} of ${this.size} crashed (${reason}); the job was stopped.`, {
          cause,
          details: { thread: index, reason },
        }),
      );
    };
    slot.worker.on('error', (error) => crashed(error.message.split('\n')[0] ?? String(error), error));
    slot.worker.on('exit', (code) => crashed(`it exited with code ${code}`));
  }

  /** Terminates every thread and fails every call, now and later, with `failure`. */
  async #stop(failure: AntidoteError): Promise<void> {
    if (!this.#failure) {
      this.#failure = failure;
      this.#signal?.removeEventListener('abort', this.#onAbort);
      process.off('SIGTERM', this.#onSigterm);
      for (const slot of this.#slots) {
        for (const pending of slot.pending.values()) pending.reject(failure);
        slot.pending.clear();
        void slot.worker.terminate();
      }
    }
    await Promise.all(this.#slots.map((slot) => slot.exited));
  }

  /** Runs `handler` on thread `thread`; calls to one thread run in order. */
  call<R>(thread: number, handler: string, payload: unknown, transfer: readonly Transferable[] = []): Promise<R> {
    if (this.#failure) return Promise.reject(this.#failure);
    const slot = this.#slots[thread];
    if (!slot)
      return Promise.reject(new AntidoteError('INVALID_INPUT', `No compute thread ${thread} (the pool has ${this.size}).`));
    const id = this.#nextId++;
    return new Promise<R>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      const message: ToThread = { type: 'call', id, handler, payload };
      slot.worker.postMessage(message, transfer as Transferable[]);
    });
  }

  /** Runs `handler` on every thread with the same payload; results in thread order. */
  broadcast<R>(handler: string, payload: unknown): Promise<R[]> {
    return Promise.all(this.#slots.map((_, thread) => this.call<R>(thread, handler, payload)));
  }

  /** Keeps a model on every thread under `key` (topology JSON + weight bytes, loaded once per thread). */
  async loadModel(key: string, files: ModelFiles): Promise<void> {
    await this.broadcast('load-model', { key, files });
  }

  /**
   * Runs `handler` once per item, each on the next free thread; results in item order. The thread
   * an item lands on varies with timing, so results must not depend on it. `onResult` sees each
   * result as it arrives (in completion order); when it throws, no further item is started.
   */
  async map<T, R>(
    items: readonly T[],
    handler: string,
    payload: (item: T, index: number) => unknown,
    onResult?: (result: R, index: number) => void | Promise<void>,
  ): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    let failed = false;
    await Promise.all(
      this.#slots.map(async (_, thread) => {
        while (!failed && next < items.length) {
          const index = next++;
          try {
            const result = await this.call<R>(thread, handler, payload(items[index] as T, index));
            results[index] = result;
            await onResult?.(result, index);
          } catch (error) {
            failed = true;
            throw error;
          }
        }
      }),
    );
    return results;
  }

  /** Whether the pool still runs (not closed, cancelled or crashed). */
  get running(): boolean {
    return this.#failure === null;
  }

  /** Stops every thread; calls still running reject with CANCELLED. */
  close(): Promise<void> {
    return this.#stop(new AntidoteError('CANCELLED', 'The compute threads were closed.'));
  }
}
