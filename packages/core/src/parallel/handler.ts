/** What a compute thread's task handlers see, and how handler modules declare them. */

export interface ThreadContext {
  /** This thread's index in the pool, 0-based. */
  index: number;
  /** Threads in the pool. */
  threads: number;
  /** Values kept between calls (loaded models, datasets, shared buffers), by key. */
  store: Map<string, unknown>;
}

export type ThreadHandler = (payload: never, context: ThreadContext) => unknown;

/** A handler module's `handlers` export: name -> handler. */
export type ThreadHandlers = Record<string, ThreadHandler>;
