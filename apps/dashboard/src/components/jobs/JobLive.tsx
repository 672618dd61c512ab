'use client';
/**
 * A job watched live: the server renders the stored history, then jobProgress (afterSeq = the
 * last seen event) streams the rest; the progress bar, ETA, metric charts and event log follow.
 * A terminal event refreshes the page's server data (findings, error, timestamps).
 */
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useState } from 'react';
import { ErrorPanel } from '@/components/Alert';
import { JobStateBadge } from '@/components/Badges';
import { LineChart } from '@/components/charts/LineChart';
import { LiveIndicator, useSubscription } from '@/components/live/useSubscription';
import { ProgressBar } from '@/components/ProgressBar';
import { useViewer } from '@/components/shell/ViewerProvider';
import { formatDateTime, formatDuration, formatTime, titleCase } from '@/lib/format';
import type { JobEventFieldsFragment, JobState } from '@/lib/graphql/generated';
import { JobProgressSubscription } from '@/lib/graphql/operations';
import { mergeEvents, metricSeries, summarize } from '@/lib/job-progress';
import { isTerminal } from '@/lib/vocabulary';
import { CancelJobButton } from './CancelJobButton';

export interface LiveJob {
  id: string;
  kind: string;
  state: JobState;
  progress: number;
  phase: string | null;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  /** Scans and repairs: what the worker foresaw before the long work (null until then). */
  estimate?: { seconds: number; peakMemoryMb: number; gflop: number; gflopsPerSecond: number; expireInSeconds: number } | null;
  events: JobEventFieldsFragment[];
}

const LOG_LIMIT = 500;

export function JobLive({ job }: { job: LiveJob }) {
  const { tenant } = useViewer();
  const router = useRouter();
  const [events, setEvents] = useState(job.events);
  useEffect(() => setEvents((current) => mergeEvents(current, job.events)), [job.events]);

  const summary = useMemo(
    () => summarize(events, { state: job.state, progress: job.progress, phase: job.phase }),
    [events, job.state, job.progress, job.phase],
  );
  // the server's state wins once it is terminal (e.g. cancelled before any event)
  const state: JobState = isTerminal(job.state) ? job.state : summary.state;
  const terminal = isTerminal(state);
  const [afterSeq] = useState(summary.lastSeq);

  const { status, error } = useSubscription(
    tenant,
    JobProgressSubscription,
    { jobId: job.id, afterSeq },
    {
      enabled: !isTerminal(job.state),
      onData: ({ jobProgress: event }) => {
        setEvents((current) => mergeEvents(current, [event]));
        if (['succeeded', 'failed', 'cancelled'].includes(event.type)) router.refresh();
      },
      onComplete: () => router.refresh(),
    },
  );

  const series = useMemo(() => metricSeries(events), [events]);
  // until the server data refreshes, the stream tells when attempts started
  const starts = events.filter((e) => e.type === 'started');
  const startedAt = job.startedAt ?? starts[0]?.createdAt ?? null;
  const attempts = Math.max(job.attempts, starts.length);
  const log = events.slice(-LOG_LIMIT).reverse();
  const failure = job.error ?? (summary.failure ? { code: 'FAILED', message: summary.failure } : null);
  const stepText =
    summary.step !== null ? `Step ${summary.step}${summary.totalSteps !== null ? ` of ${summary.totalSteps}` : ''}` : null;

  return (
    <>
      <section className="card" aria-labelledby="status-heading">
        <div className="card-header">
          <h2 id="status-heading">
            <span className="row">
              Status <JobStateBadge state={state} />
            </span>
          </h2>
          <LiveIndicator status={terminal && status !== 'error' ? 'done' : status} error={error} />
        </div>
        {state === 'FAILED' && failure ? (
          <ErrorPanel title="The job failed." error={{ code: failure.code, message: failure.message }} />
        ) : null}
        {state === 'CANCELLED' ? (
          <div className="alert alert-warning" role="status">
            The job was cancelled.
          </div>
        ) : null}
        <ProgressBar value={summary.progress} state={state} label={`${titleCase(job.kind)} job progress`} large />
        <p className="row" aria-live="polite" style={{ marginTop: '0.5rem', justifyContent: 'space-between' }}>
          <span>
            <strong>{Math.round(summary.progress * 100)}%</strong>
            {summary.phase ? ` · ${summary.phase}` : ''}
            {stepText ? ` · ${stepText}` : ''}
          </span>
          <span className="muted">
            {state === 'RUNNING' && summary.etaSeconds !== null ? `About ${formatDuration(summary.etaSeconds)} left` : null}
            {state === 'QUEUED' ? 'Waiting for a worker…' : null}
          </span>
        </p>
        <dl className="meta small">
          <dt>Created</dt>
          <dd>{formatDateTime(job.createdAt)}</dd>
          <dt>Started</dt>
          <dd>{formatDateTime(startedAt)}</dd>
          <dt>Finished</dt>
          <dd>{formatDateTime(job.finishedAt)}</dd>
          <dt>Attempts</dt>
          <dd>{attempts}</dd>
          {job.estimate ? (
            <>
              <dt>Estimate</dt>
              <dd
                title={`${job.estimate.gflop.toFixed(0)} GFLOP at ${job.estimate.gflopsPerSecond.toFixed(1)} GFLOP/s measured on the worker`}
              >
                {formatDuration(job.estimate.seconds)}, {Math.round(job.estimate.peakMemoryMb)} MB peak memory
              </dd>
              <dt>Time limit</dt>
              <dd>{formatDuration(job.estimate.expireInSeconds)}</dd>
            </>
          ) : null}
        </dl>
        {!terminal ? (
          <div style={{ marginTop: '1rem' }}>
            <CancelJobButton jobId={job.id} disabled={terminal} />
          </div>
        ) : null}
      </section>

      <section className="card" aria-labelledby="metrics-heading">
        <h2 id="metrics-heading">Metrics</h2>
        {series.length === 0 ? (
          <p className="muted">{terminal ? 'This job reported no metrics.' : 'Metrics appear as the worker reports them.'}</p>
        ) : (
          <div className="small-multiples">
            {series.map((s) => (
              <figure key={s.name}>
                <figcaption>{s.name}</figcaption>
                <LineChart title={`${s.name} by event`} series={[s]} xLabel="event" width={320} height={160} showLegend={false} />
              </figure>
            ))}
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="log-heading">
        <div className="card-header">
          <h2 id="log-heading">Event log</h2>
          <span className="small muted">
            {events.length} events{events.length > LOG_LIMIT ? `, latest ${LOG_LIMIT} shown` : ''}, newest first
          </span>
        </div>
        {log.length === 0 ? (
          <p className="muted">No events yet.</p>
        ) : (
          <div className="event-log">
            <table>
              <caption className="visually-hidden">Job events, newest first</caption>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    #
                  </th>
                  <th scope="col">Time</th>
                  <th scope="col">Event</th>
                  <th scope="col">Phase</th>
                  <th scope="col" className="num">
                    Step
                  </th>
                  <th scope="col" className="num">
                    Progress
                  </th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {log.map((e) => (
                  <tr key={e.seq}>
                    <td className="num">{e.seq}</td>
                    <td>{formatTime(e.createdAt)}</td>
                    <td>{e.type}</td>
                    <td>{e.phase ?? ''}</td>
                    <td className="num">
                      {e.step !== null ? `${e.step}${e.totalSteps !== null ? `/${e.totalSteps}` : ''}` : ''}
                    </td>
                    <td className="num">{e.progress !== null ? `${Math.round(e.progress * 100)}%` : ''}</td>
                    <td className={e.type === 'failed' ? 'field-error' : undefined}>{e.message ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
