import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState, ErrorPanel } from '@/components/Alert';
import { Disclosure } from '@/components/Disclosure';
import { RestrictedNote } from '@/components/Field';
import { MonitorActions } from '@/components/monitors/MonitorActions';
import { MonitorForm } from '@/components/monitors/MonitorForm';
import { PageHeader } from '@/components/PageHeader';
import { Pager } from '@/components/Pager';
import { formatDateTime, formatNumber } from '@/lib/format';
import { gateway, getViewerContext } from '@/lib/gateway/server';
import { MonitorsQuery } from '@/lib/graphql/operations';
import { can, whyNot } from '@/lib/permissions';
import { pageCursor, type SearchParams } from '@/lib/search-params';

export const metadata: Metadata = { title: 'Monitors' };

const PAGE_SIZE = 25;

export default async function MonitorsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const cursor = pageCursor(await searchParams);
  const [result, context] = await Promise.all([
    gateway(MonitorsQuery, { first: PAGE_SIZE, after: cursor.after, pickers: 100 }),
    getViewerContext(),
  ]);
  const role = context.ok ? context.data.viewer.role : 'VIEWER';
  const canManage = can(role, 'manageMonitors');

  if (!result.ok) {
    return (
      <>
        <PageHeader title="Monitors" />
        <ErrorPanel title="The monitors could not be loaded." error={result.error} />
      </>
    );
  }
  const { monitors, models, datasets } = result.data;
  const options = (edges: { node: { id: string; name: string } }[]) => edges.map((e) => ({ id: e.node.id, name: e.node.name }));

  return (
    <>
      <PageHeader
        title="Monitors"
        description="Continuous monitoring: scan each new version of a model (and on a schedule), and call webhooks when a scan scores above the threshold."
      />

      <Disclosure summary="New monitor" defaultOpen={monitors.totalCount === 0 && canManage}>
        {canManage ? (
          <MonitorForm mode="create" models={options(models.edges)} datasets={options(datasets.edges)} />
        ) : (
          <RestrictedNote>{whyNot(role, 'manageMonitors')}</RestrictedNote>
        )}
      </Disclosure>

      <section className="card" aria-labelledby="monitors-heading">
        <h2 id="monitors-heading" className="visually-hidden">
          Monitor list
        </h2>
        {monitors.edges.length === 0 ? (
          <EmptyState title="No monitors yet">
            <p>A monitor scans every new version of a model as soon as it is uploaded.</p>
          </EmptyState>
        ) : (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Monitors</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Model / dataset</th>
                    <th scope="col">Schedule</th>
                    <th scope="col" className="num">
                      Threshold
                    </th>
                    <th scope="col">Webhooks</th>
                    <th scope="col">Last / next run</th>
                    {canManage ? <th scope="col">Actions</th> : null}
                  </tr>
                </thead>
                <tbody>
                  {monitors.edges.map(({ node: m }) => (
                    <tr key={m.id}>
                      <td>
                        <strong>{m.name}</strong>
                        <div className="small">
                          {m.enabled ? <span className="badge badge-clean">Enabled</span> : <span className="badge">Paused</span>}
                        </div>
                      </td>
                      <td>
                        <Link href={`/models/${encodeURIComponent(m.model.id)}`}>{m.model.name}</Link>
                        <div className="small muted">
                          with <Link href={`/datasets/${encodeURIComponent(m.dataset.id)}`}>{m.dataset.name}</Link>
                        </div>
                      </td>
                      <td className="small">
                        {m.scanOnNewVersion ? 'Each new version' : 'Not on new versions'}
                        {m.intervalMinutes ? `; every ${m.intervalMinutes} min` : ''}
                      </td>
                      <td className="num">{formatNumber(m.scoreThreshold)}</td>
                      <td className="small">
                        {m.webhooks.length ? (
                          <ul style={{ margin: 0, paddingLeft: '1rem' }}>
                            {m.webhooks.map((w) => (
                              <li key={w.url}>
                                <code>{w.url}</code>
                              </li>
                            ))}
                          </ul>
                        ) : (
                          <span className="muted">None</span>
                        )}
                      </td>
                      <td className="small">
                        {formatDateTime(m.lastRunAt)}
                        <div className="muted">{formatDateTime(m.nextRunAt)}</div>
                      </td>
                      {canManage ? (
                        <td style={{ minWidth: 260 }}>
                          <MonitorActions id={m.id} name={m.name} enabled={m.enabled} webhookCount={m.webhooks.length} />
                          <details style={{ marginTop: '0.5rem' }}>
                            <summary className="small">Edit</summary>
                            <div style={{ marginTop: '0.5rem' }}>
                              <MonitorForm
                                mode="edit"
                                monitor={{
                                  id: m.id,
                                  name: m.name,
                                  enabled: m.enabled,
                                  scanOnNewVersion: m.scanOnNewVersion,
                                  intervalMinutes: m.intervalMinutes,
                                  scoreThreshold: m.scoreThreshold,
                                  webhookUrls: m.webhooks.map((w) => w.url),
                                }}
                              />
                            </div>
                          </details>
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              basePath="/monitors"
              query={{}}
              cursor={cursor}
              pageSize={PAGE_SIZE}
              shown={monitors.edges.length}
              totalCount={monitors.totalCount}
              endCursor={monitors.pageInfo.endCursor}
              hasNextPage={monitors.pageInfo.hasNextPage}
              label="Monitor list"
            />
          </>
        )}
        {!canManage && monitors.edges.length ? <RestrictedNote>{whyNot(role, 'manageMonitors')}</RestrictedNote> : null}
      </section>
    </>
  );
}
