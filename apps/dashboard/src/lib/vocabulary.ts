/** Names the API uses, with the labels the UI shows for them. */
import type { Health, JobKind, JobState, RepairMethod, Role, Verdict } from '@/lib/graphql/generated';

export const HEALTHS: readonly Health[] = ['CLEAN', 'SUSPICIOUS', 'BACKDOORED', 'REPAIRED', 'UNSCANNED'];
export const JOB_STATES: readonly JobState[] = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
export const JOB_KINDS: readonly JobKind[] = ['SCAN', 'REPAIR', 'EVALUATE', 'SWEEP'];
export const ROLES: readonly Role[] = ['VIEWER', 'ANALYST', 'ADMIN', 'OWNER'];
export const TERMINAL_STATES: readonly JobState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export const REPAIR_METHODS: readonly { value: RepairMethod; label: string; hint: string }[] = [
  { value: 'PIVOTAL_TUNING', label: 'Pivotal Tuning', hint: 'Recommended: removes the backdoor with the least accuracy loss.' },
  { value: 'FINE_TUNING', label: 'Fine-tuning', hint: 'Baseline: plain fine-tuning on the trusted data.' },
  { value: 'FINE_PRUNING', label: 'Fine-pruning', hint: 'Baseline: prunes dormant neurons, then fine-tunes.' },
  { value: 'NAD', label: 'Neural Attention Distillation', hint: 'Baseline: distils attention from a fine-tuned teacher.' },
  { value: 'NEURAL_CLEANSE', label: 'Neural Cleanse', hint: 'Baseline: unlearns a reverse-engineered trigger.' },
];

/**
 * Attacks whose ASR can be measured alongside (benchmarks, demos), exactly as the job catalog
 * names them (test/boundaries/attack-names.test.ts keeps the two lists equal).
 */
export const ATTACK_NAMES = [
  'badnets',
  'blend',
  'wanet',
  'adaptive-blend',
  'adaptive-patch',
  'trigger-scattered-badnets',
  'sig',
  'label-consistent',
  'clean-label-wanet',
  'refool',
  'low-frequency',
  'bpp',
] as const;

export const HEALTH_LABEL: Record<Health, string> = {
  CLEAN: 'Clean',
  SUSPICIOUS: 'Suspicious',
  BACKDOORED: 'Backdoored',
  REPAIRED: 'Repaired',
  UNSCANNED: 'Unscanned',
};

export const VERDICT_LABEL: Record<Verdict, string> = {
  CLEAN: 'Clean',
  SUSPICIOUS: 'Suspicious',
  BACKDOORED: 'Backdoored',
  REPAIRED: 'Repaired',
  NOT_REPAIRED: 'Not repaired',
};

export const STATE_LABEL: Record<JobState, string> = {
  QUEUED: 'Queued',
  RUNNING: 'Running',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** The job state a progress event implies. */
export function stateAfterEvent(type: string, current: JobState): JobState {
  switch (type) {
    case 'queued':
    case 'retrying':
      return 'QUEUED';
    case 'started':
    case 'progress':
    case 'checkpoint':
      return 'RUNNING';
    case 'succeeded':
      return 'SUCCEEDED';
    case 'failed':
      return 'FAILED';
    case 'cancelled':
      return 'CANCELLED';
    default:
      return current;
  }
}
