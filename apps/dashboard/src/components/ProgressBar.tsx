import type { JobState } from '@/lib/graphql/generated';

/** A determinate progress bar with an accessible name and value. */
export function ProgressBar({ value, state, label, large }: { value: number; state?: JobState; label: string; large?: boolean }) {
  const percent = Math.round(Math.min(1, Math.max(0, value)) * 100);
  const tone = state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED' ? ` progress-${state.toLowerCase()}` : '';
  return (
    <div
      className={`progress${large ? ' progress-large' : ''}${tone}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={`${percent}%`}
    >
      <span style={{ width: `${percent}%` }} />
    </div>
  );
}
