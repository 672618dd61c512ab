'use client';
/**
 * Jobs with progress that moves live: the tenant's job events update the rows in place; an
 * event of a job not on screen (a new one) refreshes the server-rendered list.
 */
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { JobStateBadge } from '@/components/Badges';
import { ProgressBar } from '@/components/ProgressBar';
import { useViewer } from '@/components/shell/ViewerProvider';
import { formatDateTime, titleCase } from '@/lib/format';
import type { JobSummaryFragment } from '@/lib/graphql/generated';
import { TenantEventsSubscription } from '@/lib/graphql/operations';
import { isTerminal, stateAfterEvent } from '@/lib/vocabulary';
import { jobTarget } from './job-target';
import { LiveIndicator, useSubscription } from './useSubscription';

export function LiveJobsTable({
  jobs: initial,
  caption,
  refreshOnNewJobs = true,
}: {
  jobs: JobSummaryFragment[];
  caption: string;
  /** Refetch when a job not on screen reports (off for filtered or later pages, where it would not show). */
  refreshOnNewJobs?: boolean;
}) {
  const { tenant } = useViewer();
  const router = useRouter();
  const [jobs, setJobs] = useState(initial);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const shown = useRef(new Set(initial.map((j) => j.id)));

  useEffect(() => {
    setJobs(initial);
    shown.current = new Set(initial.map((j) => j.id));
  }, [initial]);
  useEffect(
    () => () => {
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
    },
    [],
  );

  const { status, error } = useSubscription(
    tenant,
    TenantEventsSubscription,
    {},
    {
      enabled: true,
      onData: ({ tenantEvents: event }) => {
        const known = shown.current.has(event.jobId);
        setJobs((current) =>
          current.map((job) => {
            if (job.id !== event.jobId) return job;
            const state = stateAfterEvent(event.type, job.state);
            return {
              ...job,
              state,
              progress: state === 'SUCCEEDED' ? 1 : (event.progress ?? job.progress),
              phase: event.phase ?? job.phase,
            };
          }),
        );
        // a job we do not show yet, or one that just ended (findings, error): refetch, at most every 3 s
        const ended = known && ['succeeded', 'failed', 'cancelled'].includes(event.type);
        if ((ended || (!known && refreshOnNewJobs)) && !refreshTimer.current) {
          refreshTimer.current = setTimeout(() => {
            refreshTimer.current = null;
            router.refresh();
          }, 3000);
        }
      },
    },
  );

  return (
    <div>
      <div className="row" style={{ justifyContent: 'flex-end' }}>
        <LiveIndicator status={status} error={error} />
      </div>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Target</th>
              <th scope="col">State</th>
              <th scope="col">Progress</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr key={job.id}>
                <td>
                  <Link href={`/jobs/${encodeURIComponent(job.id)}`}>{titleCase(job.kind)}</Link>
                </td>
                <td>{jobTarget(job)}</td>
                <td>
                  <JobStateBadge state={job.state} />
                  {job.state === 'FAILED' && job.error ? (
                    <div className="field-error small" title={job.error.message}>
                      {job.error.code}: {job.error.message.slice(0, 80)}
                    </div>
                  ) : null}
                </td>
                <td style={{ minWidth: 180 }}>
                  <ProgressBar value={job.progress} state={job.state} label={`Progress of ${titleCase(job.kind)} job`} />
                  <span className="small muted">
                    {Math.round(job.progress * 100)}%{job.phase && !isTerminal(job.state) ? ` · ${job.phase}` : ''}
                  </span>
                </td>
                <td className="small nowrap">{formatDateTime(job.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
