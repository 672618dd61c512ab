/** Messages between a ThreadPool and its compute threads (structured clone; no JSON). */
import type { BackendChoice } from '../runtime/backend.ts';

export interface ThreadInit {
  index: number;
  threads: number;
  backend: BackendChoice;
  /** URLs of extra handler modules (each exports `handlers`), imported before the thread is ready. */
  handlerModules: readonly string[];
}

export type ToThread = { type: 'call'; id: number; handler: string; payload: unknown };

export type FromThread =
  | { type: 'ready'; backend: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number | null; error: { code: string; message: string; details?: Record<string, unknown> } };
