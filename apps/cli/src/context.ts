/** What every command handler receives: where to print, the Ctrl-C signal, and the runtime. */
import type { BackendChoice, RuntimeDescription } from '@antidote/core/runtime';
import type { Cancellation } from './cancellation.ts';
import type { CliEnv } from './env.ts';
import type { Output } from './output.ts';

export interface CommandContext {
  readonly output: Output;
  readonly env: CliEnv;
  readonly cancellation: Cancellation;
  /** performance.now() when the CLI started, for wall times. */
  readonly startedAt: number;
  /** Loads the TensorFlow.js backend chosen by --backend / ANTIDOTE_BACKEND (or the fastest one). */
  startRuntime(): Promise<RuntimeDescription>;
}

export interface GlobalOptions {
  backend?: BackendChoice;
  json?: boolean;
  debug?: boolean;
}
