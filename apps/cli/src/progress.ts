/**
 * The training progress bar (cli-progress on stderr): step, loss, images per second and ETA.
 * Drawn only when stderr is a terminal and never in --json mode; otherwise every call is a no-op.
 */
import type { TrainingProgress } from '@antidote/core/training';
import cliProgress from 'cli-progress';
import { formatDuration } from './format.ts';
import type { Output } from './output.ts';

export interface ProgressReporter {
  /** Shows the bar at step 0 before the first report arrives (training reports every few steps). */
  start(totalSteps: number): void;
  /** Pass as `onProgress` to the training functions. */
  update(progress: TrainingProgress): void;
  /** Removes the bar (idempotent); call before printing anything else. */
  stop(): void;
}

interface BarPayload {
  loss: string;
  rate: string;
  etaText: string;
}

export function formatBarPayload(progress: Pick<TrainingProgress, 'loss' | 'imagesPerSecond' | 'etaSeconds'>): BarPayload {
  return {
    loss: Number.isFinite(progress.loss) ? progress.loss.toFixed(3) : '-',
    rate: Number.isFinite(progress.imagesPerSecond) ? Math.round(progress.imagesPerSecond).toString() : '-',
    etaText: formatDuration(progress.etaSeconds),
  };
}

/** `signal`: the bar is removed as soon as Ctrl-C is pressed, before the "cancelling" note prints. */
export function createProgressReporter(output: Output, label: string, signal?: AbortSignal): ProgressReporter {
  if (!output.interactive) return { start: () => {}, update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({
    stream: output.stderr,
    format: `${label} [{bar}] {percentage}% | step {value}/{total} | loss {loss} | {rate} img/s | ETA {etaText}`,
    barsize: 24,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 50,
  });
  let started = false;
  let stopped = false;
  const onAbort = () => reporter.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  const reporter: ProgressReporter = {
    start(totalSteps) {
      if (started || stopped) return;
      started = true;
      bar.start(totalSteps, 0, { loss: '-', rate: '-', etaText: '?' });
    },
    update(progress) {
      if (stopped) return;
      const payload = formatBarPayload(progress);
      if (!started) {
        started = true;
        bar.start(progress.totalSteps, progress.step, payload);
        return;
      }
      bar.setTotal(progress.totalSteps);
      bar.update(progress.step, payload);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      signal?.removeEventListener('abort', onAbort);
      if (started) bar.stop();
    },
  };
  return reporter;
}
