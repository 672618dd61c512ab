/** Messages between the worker's main thread and a task thread. */
export type TaskName = 'scan' | 'repair' | 'evaluate' | 'sweep' | 'import' | 'export';

export interface ThreadRequest {
  task: TaskName;
  input: unknown;
  backend: string | undefined;
  /** Compute threads the task may spread over (1: this thread only). */
  threads: number;
  /** The job's share of the machine's memory (default: all of it). */
  memoryLimitBytes?: number;
}

export type ThreadMessage =
  | { type: 'progress'; event: unknown }
  | { type: 'checkpoint'; payload: unknown; ackId?: number }
  | { type: 'estimate'; payload: unknown; ackId?: number }
  | { type: 'result'; result: unknown }
  | { type: 'error'; error: { code: string; message: string; details?: Readonly<Record<string, unknown>> } };
