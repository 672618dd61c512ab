import { calibrationLabel, type FindingCalibrationView } from '@/lib/calibration';
import type { Health, JobState, Role, Verdict } from '@/lib/graphql/generated';
import { roleLabel } from '@/lib/permissions';
import { HEALTH_LABEL, STATE_LABEL, VERDICT_LABEL } from '@/lib/vocabulary';

export function HealthBadge({ health }: { health: Health }) {
  return <span className={`badge badge-${health.toLowerCase()}`}>{HEALTH_LABEL[health]}</span>;
}

export function VerdictBadge({ verdict }: { verdict: Verdict }) {
  return <span className={`badge badge-${verdict.toLowerCase()}`}>{VERDICT_LABEL[verdict]}</span>;
}

export function JobStateBadge({ state }: { state: JobState }) {
  return <span className={`badge badge-${state.toLowerCase()}`}>{STATE_LABEL[state]}</span>;
}

export function RoleBadge({ role }: { role: Role }) {
  return (
    <span className="badge badge-role" title="Your role in this tenant">
      {roleLabel(role)}
    </span>
  );
}

/** A detection's calibration on its own line under the score; the fixed-band fallback shows a visible "uncalibrated" badge. */
export function CalibrationNote({ calibration }: { calibration: FindingCalibrationView | null }) {
  const label = calibrationLabel(calibration);
  if (!label) return null;
  return (
    <div>
      {label.uncalibrated ? (
        <span className="badge badge-suspicious badge-uncalibrated" title={label.title}>
          {label.short}
        </span>
      ) : (
        <span className="small muted" title={label.title}>
          {label.short}
        </span>
      )}
    </div>
  );
}
