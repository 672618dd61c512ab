import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState, ErrorPanel } from '@/components/Alert';
import { VerifyChainButton } from '@/components/audit/VerifyChainButton';
import { RestrictedNote } from '@/components/Field';
import { PageHeader } from '@/components/PageHeader';
import { Pager } from '@/components/Pager';
import { formatDateTime, shortHash } from '@/lib/format';
import { gateway, getViewerContext } from '@/lib/gateway/server';
import { AuditLogQuery } from '@/lib/graphql/operations';
import { can, whyNot } from '@/lib/permissions';
import { pageCursor, param, type SearchParams } from '@/lib/search-params';

export const metadata: Metadata = { title: 'Audit log' };

const PAGE_SIZE = 50;

export default async function AuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const action = param(params, 'action')?.slice(0, 200);
  const actor = param(params, 'actor')?.slice(0, 200);
  const cursor = pageCursor(params);
  const context = await getViewerContext();
  const role = context.ok ? context.data.viewer.role : 'VIEWER';
  // the gateway shows the audit log to admins only: others are not asked to fail
  const result = can(role, 'viewAudit')
    ? await gateway(AuditLogQuery, { first: PAGE_SIZE, after: cursor.after, action, actor })
    : null;
  const exportParams = new URLSearchParams();
  if (action) exportParams.set('action', action);
  if (actor) exportParams.set('actor', actor);
  const exportHref = `/api/audit/export${exportParams.size ? `?${exportParams}` : ''}`;

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change in this tenant, append-only and hash-chained: each entry’s hash covers the previous one."
        actions={
          result ? (
            <a className="button" href={exportHref} download>
              Export CSV
            </a>
          ) : undefined
        }
      />
      <section className="card" aria-labelledby="verify-heading">
        <h2 id="verify-heading">Chain integrity</h2>
        {result ? <VerifyChainButton /> : <RestrictedNote>{whyNot(role, 'viewAudit')}</RestrictedNote>}
      </section>
      <section className="card" aria-labelledby="audit-heading">
        <h2 id="audit-heading" className="visually-hidden">
          Audit entries
        </h2>
        <form className="filters" action="/audit" aria-label="Filter the audit log">
          <div className="field">
            <label htmlFor="audit-action">Action</label>
            <input id="audit-action" type="search" name="action" defaultValue={action ?? ''} placeholder="e.g. model.register" />
          </div>
          <div className="field">
            <label htmlFor="audit-actor">Actor</label>
            <input id="audit-actor" type="search" name="actor" defaultValue={actor ?? ''} placeholder="e.g. user:… or apikey:…" />
          </div>
          <button type="submit" className="button">
            Filter
          </button>
          {action || actor ? (
            <Link className="button" href="/audit">
              Clear
            </Link>
          ) : null}
        </form>
        {!result ? (
          <RestrictedNote>{whyNot(role, 'viewAudit')}</RestrictedNote>
        ) : !result.ok ? (
          <ErrorPanel title="The audit log could not be loaded." error={result.error} />
        ) : result.data.auditLog.edges.length === 0 ? (
          <EmptyState title={action || actor ? 'No entry matches these filters' : 'The audit log is empty'} />
        ) : (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Audit entries, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      #
                    </th>
                    <th scope="col">Time</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Action</th>
                    <th scope="col">Target</th>
                    <th scope="col">Details</th>
                    <th scope="col">Hash</th>
                  </tr>
                </thead>
                <tbody>
                  {result.data.auditLog.edges.map(({ node: entry }) => {
                    const details = JSON.stringify(entry.details);
                    return (
                      <tr key={entry.id}>
                        <td className="num">{entry.seq}</td>
                        <td className="small nowrap">{formatDateTime(entry.createdAt)}</td>
                        <td className="mono small">{entry.actor}</td>
                        <td>
                          <code>{entry.action}</code>
                        </td>
                        <td className="mono small">{entry.target}</td>
                        <td className="small" style={{ maxWidth: 320 }}>
                          {details && details !== '{}' && details !== 'null' ? (
                            details.length > 80 ? (
                              <details>
                                <summary className="mono">{details.slice(0, 60)}…</summary>
                                <pre className="mono" style={{ whiteSpace: 'pre-wrap' }}>
                                  {JSON.stringify(entry.details, null, 2)}
                                </pre>
                              </details>
                            ) : (
                              <code>{details}</code>
                            )
                          ) : (
                            <span className="muted">—</span>
                          )}
                        </td>
                        <td className="mono small" title={`hash ${entry.hash}\nprevious ${entry.prevHash}`}>
                          {shortHash(entry.hash, 10)}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <Pager
              basePath="/audit"
              query={{ action, actor }}
              cursor={cursor}
              pageSize={PAGE_SIZE}
              shown={result.data.auditLog.edges.length}
              totalCount={result.data.auditLog.totalCount}
              endCursor={result.data.auditLog.pageInfo.endCursor}
              hasNextPage={result.data.auditLog.pageInfo.hasNextPage}
              label="Audit log"
            />
          </>
        )}
      </section>
    </>
  );
}
