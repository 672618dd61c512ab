import type { JobSummaryFragment } from '@/lib/graphql/generated';

/** "resnet v3 on trusted-1pct": what a job works on. */
export function jobTarget(job: Pick<JobSummaryFragment, 'modelVersion' | 'dataset'>): string {
  const parts: string[] = [];
  if (job.modelVersion) parts.push(`${job.modelVersion.model.name} v${job.modelVersion.version}`);
  if (job.dataset) parts.push(`on ${job.dataset.name}`);
  return parts.join(' ') || '—';
}
