import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState, ErrorPanel } from '@/components/Alert';
import { TrendChart } from '@/components/charts/TrendChart';
import { LiveJobsTable } from '@/components/live/LiveJobsTable';
import { PageHeader } from '@/components/PageHeader';
import { formatCount } from '@/lib/format';
import { gateway } from '@/lib/gateway/server';
import type { Health } from '@/lib/graphql/generated';
import { OverviewQuery } from '@/lib/graphql/operations';
import { HEALTH_LABEL, HEALTHS } from '@/lib/vocabulary';

export const metadata: Metadata = { title: 'Overview' };

const TREND_DAYS = 30;

const HEALTH_COLOR: Record<Health, string> = {
  CLEAN: 'var(--clean)',
  SUSPICIOUS: 'var(--suspicious)',
  BACKDOORED: 'var(--backdoored)',
  REPAIRED: 'var(--repaired)',
  UNSCANNED: 'var(--unscanned)',
};

export default async function OverviewPage() {
  const result = await gateway(OverviewQuery, { days: TREND_DAYS });
  if (!result.ok) {
    return (
      <>
        <PageHeader title="Overview" />
        <ErrorPanel title="The overview could not be loaded." error={result.error} />
      </>
    );
  }
  const overview = result.data.overview;
  const counts = new Map(overview.healthCounts.map((h) => [h.health, h.count]));
  const total = overview.modelCount;
  const findings = overview.findingsTrend.reduce(
    (sum, d) => sum + d.clean + d.suspicious + d.backdoored + d.repaired + d.notRepaired,
    0,
  );

  return (
    <>
      <PageHeader title="Overview" description="Backdoor health of your models, recent findings and jobs." />

      <section aria-labelledby="health-heading" className="card">
        <div className="card-header">
          <h2 id="health-heading">Model health</h2>
          <Link href="/models">All models ({formatCount(total)})</Link>
        </div>
        {total === 0 ? (
          <EmptyState title="No models yet">
            <p>
              <Link href="/models">Register a model</Link> and a <Link href="/datasets">trusted dataset</Link> to run your first
              scan.
            </p>
          </EmptyState>
        ) : (
          <>
            <div
              className="health-bar"
              role="img"
              aria-label={HEALTHS.map((h) => `${HEALTH_LABEL[h]} ${counts.get(h) ?? 0}`).join(', ')}
            >
              {HEALTHS.map((h) => {
                const count = counts.get(h) ?? 0;
                return count ? (
                  <span key={h} style={{ width: `${(count / total) * 100}%`, background: HEALTH_COLOR[h] }} />
                ) : null;
              })}
            </div>
            <dl className="stats">
              {HEALTHS.map((h) => (
                <div key={h} className={`stat stat-${h.toLowerCase()}`}>
                  <dt>{HEALTH_LABEL[h]}</dt>
                  <dd>{formatCount(counts.get(h) ?? 0)}</dd>
                </div>
              ))}
              <div className="stat stat-neutral">
                <dt>Jobs running</dt>
                <dd>{formatCount(overview.runningJobs)}</dd>
              </div>
            </dl>
          </>
        )}
      </section>

      <section aria-labelledby="trend-heading" className="card">
        <div className="card-header">
          <h2 id="trend-heading">Findings, last {TREND_DAYS} days</h2>
          <span className="muted small">{formatCount(findings)} findings</span>
        </div>
        {findings === 0 ? (
          <EmptyState title="No findings in this period">
            <p>Findings appear here when scans and repairs finish.</p>
          </EmptyState>
        ) : (
          <TrendChart days={overview.findingsTrend} />
        )}
      </section>

      <section aria-labelledby="jobs-heading" className="card">
        <div className="card-header">
          <h2 id="jobs-heading">Recent jobs</h2>
          <Link href="/jobs">All jobs</Link>
        </div>
        {overview.recentJobs.length === 0 ? (
          <EmptyState title="No jobs yet">
            <p>Start a scan from a model’s page.</p>
          </EmptyState>
        ) : (
          <LiveJobsTable jobs={overview.recentJobs} caption="Recent jobs" />
        )}
      </section>
    </>
  );
}
