/**
 * Ctrl-C handling: the first SIGINT aborts the running work through an AbortSignal (training
 * stops at the next step and the command exits 130 with "cancelled"); a second one exits at once.
 */
import { AntidoteError } from '@antidote/core/errors';
import { EXIT_CANCELLED } from './exit-codes.ts';

export interface Cancellation {
  readonly signal: AbortSignal;
  /** Throws CANCELLED if Ctrl-C was pressed; call between long steps that take no signal. */
  check(): void;
  dispose(): void;
}

export function createCancellation(onFirstInterrupt: () => void = () => {}): Cancellation {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT_CANCELLED);
    controller.abort(new AntidoteError('CANCELLED', 'Interrupted (Ctrl-C).'));
    onFirstInterrupt();
  };
  process.on('SIGINT', onSigint);
  return {
    signal: controller.signal,
    check() {
      if (controller.signal.aborted) throw new AntidoteError('CANCELLED', 'Interrupted (Ctrl-C).');
    },
    dispose() {
      process.off('SIGINT', onSigint);
    },
  };
}
