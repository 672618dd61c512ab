/**
 * The tenant's plan: each quota the gateway enforces, with what the tenant uses of it now, so a
 * QUOTA_EXCEEDED refusal can be understood (and foreseen) without asking an operator.
 */
import type { Metadata } from 'next';
import { ErrorPanel } from '@/components/Alert';
import { PageHeader } from '@/components/PageHeader';
import { formatBytes, formatCount, titleCase } from '@/lib/format';
import { gateway } from '@/lib/gateway/server';
import { QuotaQuery } from '@/lib/graphql/operations';

export const metadata: Metadata = { title: 'Plan and usage' };

function Usage({
  label,
  used,
  limit,
  format = formatCount,
}: {
  label: string;
  used: number;
  limit: number;
  format?: (n: number) => string;
}) {
  const percent = limit > 0 ? Math.round(Math.min(1, used / limit) * 100) : 100;
  const text = `${format(used)} of ${format(limit)}`;
  return (
    <tr>
      <th scope="row">{label}</th>
      <td className="mono">{text}</td>
      <td>
        {/* biome-ignore lint/a11y/useSemanticElements: styled like the job progress bars; <meter> cannot hold the bar */}
        <div
          className={`progress${percent >= 100 ? ' progress-failed' : ''}`}
          role="meter"
          aria-label={label}
          aria-valuemin={0}
          aria-valuemax={limit}
          aria-valuenow={Math.min(used, limit)}
          aria-valuetext={text}
        >
          <span style={{ width: `${percent}%` }} />
        </div>
      </td>
    </tr>
  );
}

export default async function UsagePage() {
  const result = await gateway(QuotaQuery, {});
  if (!result.ok) {
    return (
      <>
        <PageHeader title="Plan and usage" />
        <ErrorPanel title="The plan could not be loaded." error={result.error} />
      </>
    );
  }
  const { tenant } = result.data.me;
  const q = tenant.quota;
  return (
    <>
      <PageHeader
        title="Plan and usage"
        description={`${tenant.name} is on the ${titleCase(q.plan)} plan. Requests past a limit are refused with QUOTA_EXCEEDED.`}
      />
      <section className="card" aria-labelledby="usage-heading">
        <h2 id="usage-heading">In use now</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Limit</th>
                <th scope="col">Used</th>
                <th scope="col">
                  <span className="visually-hidden">Share used</span>
                </th>
              </tr>
            </thead>
            <tbody>
              <Usage label="Jobs queued or running" used={q.queuedJobs} limit={q.maxQueuedJobs} />
              <Usage label="Jobs running at once" used={q.runningJobs} limit={q.maxRunningJobs} />
              <Usage label="Monitors" used={q.monitors} limit={q.maxMonitors} />
              <Usage label="Stored data" used={q.usedStorageBytes} limit={q.storageBytes} format={formatBytes} />
            </tbody>
          </table>
        </div>
        <p className="small muted">
          Jobs past the running limit wait in the queue; every tenant&rsquo;s next job is served before a second one of any
          tenant.
        </p>
      </section>
      <section className="card" aria-labelledby="limits-heading">
        <h2 id="limits-heading">Per request</h2>
        <dl className="meta">
          <dt>Models per sweep (poison counts × seeds)</dt>
          <dd>{formatCount(q.maxSweepModels)}</dd>
          <dt>Epochs per sweep model</dt>
          <dd>{formatCount(q.maxSweepEpochs)}</dd>
          <dt>Shortest monitor re-scan interval</dt>
          <dd>{formatCount(q.minMonitorIntervalMinutes)} min</dd>
        </dl>
      </section>
    </>
  );
}
