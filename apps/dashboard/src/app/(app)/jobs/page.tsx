import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState, ErrorPanel } from '@/components/Alert';
import { LiveJobsTable } from '@/components/live/LiveJobsTable';
import { PageHeader } from '@/components/PageHeader';
import { Pager } from '@/components/Pager';
import { titleCase } from '@/lib/format';
import { gateway } from '@/lib/gateway/server';
import { JobsQuery } from '@/lib/graphql/operations';
import { enumParam, pageCursor, type SearchParams } from '@/lib/search-params';
import { JOB_KINDS, JOB_STATES, STATE_LABEL } from '@/lib/vocabulary';

export const metadata: Metadata = { title: 'Jobs' };

const PAGE_SIZE = 25;

export default async function JobsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const state = enumParam(params, 'state', JOB_STATES);
  const kind = enumParam(params, 'kind', JOB_KINDS);
  const cursor = pageCursor(params);
  const result = await gateway(JobsQuery, { first: PAGE_SIZE, after: cursor.after, state, kind });
  const filtered = Boolean(state || kind);
  return (
    <>
      <PageHeader title="Jobs" description="Scans, repairs and evaluations, newest first. Progress updates live." />
      <section className="card" aria-labelledby="jobs-heading">
        <h2 id="jobs-heading" className="visually-hidden">
          Job list
        </h2>
        <form className="filters" action="/jobs" aria-label="Filter jobs">
          <div className="field">
            <label htmlFor="job-state">State</label>
            <select id="job-state" name="state" defaultValue={state ?? ''}>
              <option value="">Any state</option>
              {JOB_STATES.map((s) => (
                <option key={s} value={s}>
                  {STATE_LABEL[s]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="job-kind">Kind</label>
            <select id="job-kind" name="kind" defaultValue={kind ?? ''}>
              <option value="">Any kind</option>
              {JOB_KINDS.map((k) => (
                <option key={k} value={k}>
                  {titleCase(k)}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="button">
            Filter
          </button>
          {filtered ? (
            <Link className="button" href="/jobs">
              Clear
            </Link>
          ) : null}
        </form>
        {!result.ok ? (
          <ErrorPanel title="The jobs could not be loaded." error={result.error} />
        ) : result.data.jobs.edges.length === 0 ? (
          <EmptyState title={filtered ? 'No job matches these filters' : 'No jobs yet'}>
            {filtered ? null : (
              <p>
                Start a scan or a repair from a <Link href="/models">model’s page</Link>.
              </p>
            )}
          </EmptyState>
        ) : (
          <>
            <LiveJobsTable
              jobs={result.data.jobs.edges.map((e) => e.node)}
              caption="Jobs"
              refreshOnNewJobs={!cursor.after && !kind && (!state || state === 'QUEUED' || state === 'RUNNING')}
            />
            <Pager
              basePath="/jobs"
              query={{ state, kind }}
              cursor={cursor}
              pageSize={PAGE_SIZE}
              shown={result.data.jobs.edges.length}
              totalCount={result.data.jobs.totalCount}
              endCursor={result.data.jobs.pageInfo.endCursor}
              hasNextPage={result.data.jobs.pageInfo.hasNextPage}
              label="Job list"
            />
          </>
        )}
      </section>
    </>
  );
}
