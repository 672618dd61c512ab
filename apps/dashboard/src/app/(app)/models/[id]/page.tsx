import { randomUUID } from 'node:crypto';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { EmptyState, ErrorPanel } from '@/components/Alert';
import { HealthBadge } from '@/components/Badges';
import { StartRepairForm, StartScanForm } from '@/components/jobs/StartJobForms';
import { MonitorForm } from '@/components/monitors/MonitorForm';
import { PageHeader } from '@/components/PageHeader';
import { Pager } from '@/components/Pager';
import { UploadForm } from '@/components/uploads/UploadForm';
import { formatCount, formatDate, formatDateTime, shortHash } from '@/lib/format';
import { gateway, getViewerContext } from '@/lib/gateway/server';
import type { Health, ModelDetailQuery } from '@/lib/graphql/generated';
import { ModelDetailQuery as ModelDetailOperation } from '@/lib/graphql/operations';
import { can } from '@/lib/permissions';
import { pageCursor, param, routeId, type SearchParams } from '@/lib/search-params';

export const metadata: Metadata = { title: 'Model' };

const PAGE_SIZE = 50;

type ModelNode = Extract<ModelDetailQuery['node'], { __typename: 'Model' }>;
type VersionNode = ModelNode['versions']['edges'][number]['node'];

export default async function ModelPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<SearchParams>;
}) {
  const { id } = await params;
  const query = await searchParams;
  const cursor = pageCursor(query);
  const [result, context] = await Promise.all([
    gateway(ModelDetailOperation, { id: routeId(id), first: PAGE_SIZE, after: cursor.after, datasets: 100 }),
    getViewerContext(),
  ]);
  if (!result.ok) {
    return (
      <>
        <PageHeader title="Model" crumbs={[{ href: '/models', label: 'Models' }]} />
        <ErrorPanel title="This model could not be loaded." error={result.error} />
      </>
    );
  }
  const model = result.data.node;
  if (model?.__typename !== 'Model') notFound();

  const versions = model.versions.edges.map((e) => e.node);
  const versionOptions = versions.map((v) => ({
    id: v.id,
    label: `v${v.version}${v.parent ? ` (repaired from v${v.parent.version})` : ''} · ${v.health.toLowerCase()}`,
  }));
  const datasetOptions = result.data.datasets.edges.map(({ node: d }) => ({
    id: d.id,
    label: `${d.name} (${formatCount(d.count)} images, ${d.labelled ? `${d.numClasses} classes` : 'unlabelled'})`,
  }));
  const canManageMonitors = context.ok && can(context.data.viewer.role, 'manageMonitors');
  const requested = param(query, 'version');
  const defaultVersionId = versions.find((v) => v.id === requested)?.id ?? model.latestVersion?.id ?? versions[0]?.id;

  return (
    <>
      <PageHeader
        crumbs={[{ href: '/models', label: 'Models' }]}
        title={
          <span className="row">
            {model.name} <HealthBadge health={model.health} />
          </span>
        }
        description={model.description || `Registered ${formatDateTime(model.createdAt)}`}
      />

      <section className="card" aria-labelledby="versions-heading">
        <div className="card-header">
          <h2 id="versions-heading">Versions ({formatCount(model.versionCount)})</h2>
        </div>
        {versions.length === 0 ? (
          <EmptyState title="No versions" />
        ) : (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Versions of {model.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Health</th>
                    <th scope="col">Lineage</th>
                    <th scope="col">Input</th>
                    <th scope="col" className="num">
                      Classes
                    </th>
                    <th scope="col" className="num">
                      Parameters
                    </th>
                    <th scope="col">SHA-256</th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span className="visually-hidden">Download</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {versions.map((v) => (
                    <tr key={v.id}>
                      <td>
                        <Link href={`/versions/${encodeURIComponent(v.id)}`}>v{v.version}</Link>
                      </td>
                      <td>
                        <HealthBadge health={v.health} />
                      </td>
                      <td className="small">
                        {v.parent ? <>repaired from v{v.parent.version}</> : 'original'}
                        {v.children.length ? <> · repaired into {v.children.map((c) => `v${c.version}`).join(', ')}</> : null}
                      </td>
                      <td className="small mono">{v.inputShape.join('×')}</td>
                      <td className="num">{v.numClasses}</td>
                      <td className="num">{formatCount(v.paramCount)}</td>
                      <td className="mono small" title={v.sha256}>
                        {shortHash(v.sha256, 8)}
                      </td>
                      <td className="small" title={formatDateTime(v.createdAt)}>
                        {formatDate(v.createdAt)}
                      </td>
                      <td>
                        <a
                          className="button button-small"
                          href={v.downloadUrl}
                          download
                          aria-label={`Download v${v.version} (zip)`}
                        >
                          Download
                        </a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              basePath={`/models/${encodeURIComponent(model.id)}`}
              query={{}}
              cursor={cursor}
              pageSize={PAGE_SIZE}
              shown={versions.length}
              totalCount={model.versions.totalCount}
              endCursor={model.versions.pageInfo.endCursor}
              hasNextPage={model.versions.pageInfo.hasNextPage}
              label="Version list"
            />
          </>
        )}
      </section>

      <div className="grid grid-2">
        <section className="card" aria-labelledby="lineage-heading">
          <h2 id="lineage-heading">Lineage</h2>
          <p className="small muted">Original versions and the repaired versions made from them.</p>
          {versions.length ? <Lineage versions={versions} /> : <p className="muted">No versions yet.</p>}
        </section>
        <section className="card" aria-labelledby="monitors-heading">
          <h2 id="monitors-heading">Monitors</h2>
          {model.monitors.length === 0 ? (
            <p className="muted">No monitor watches this model yet.</p>
          ) : (
            <ul>
              {model.monitors.map((m) => (
                <li key={m.id}>
                  <Link href="/monitors">{m.name}</Link> {m.enabled ? '' : <span className="muted">(paused)</span>}
                </li>
              ))}
            </ul>
          )}
          {canManageMonitors ? (
            <details>
              <summary>New monitor for this model</summary>
              <div style={{ marginTop: '0.75rem' }}>
                <MonitorForm
                  mode="create"
                  models={[{ id: model.id, name: model.name }]}
                  datasets={result.data.datasets.edges.map(({ node: d }) => ({ id: d.id, name: d.name }))}
                />
              </div>
            </details>
          ) : null}
        </section>
      </div>

      <div className="grid grid-2" style={{ marginTop: '1.25rem' }}>
        <section className="card" aria-labelledby="scan-heading" id="scan">
          <h2 id="scan-heading">Start a scan</h2>
          <p className="small muted">Detects whether the version carries a backdoor, and which class it targets.</p>
          <StartScanForm
            versions={versionOptions}
            datasets={datasetOptions}
            defaultVersionId={defaultVersionId}
            idempotencyKey={randomUUID()}
          />
        </section>
        <section className="card" aria-labelledby="repair-heading" id="repair">
          <h2 id="repair-heading">Start a repair</h2>
          <p className="small muted">Makes a repaired version that keeps clean accuracy within the budget.</p>
          <StartRepairForm
            versions={versionOptions}
            datasets={datasetOptions}
            defaultVersionId={defaultVersionId}
            idempotencyKey={randomUUID()}
          />
        </section>
      </div>

      <section className="card" aria-labelledby="add-version-heading" style={{ marginTop: '1.25rem' }}>
        <h2 id="add-version-heading">Add a version</h2>
        <p className="small muted">Monitors of this model scan new versions automatically.</p>
        <UploadForm mode={{ kind: 'version', modelId: model.id }} />
      </section>
    </>
  );
}

function Lineage({ versions }: { versions: VersionNode[] }) {
  const byId = new Map(versions.map((v) => [v.id, v]));
  const roots = versions.filter((v) => !v.parent || !byId.has(v.parent.id)).sort((a, b) => a.version - b.version);
  const seen = new Set<string>();
  const render = (id: string, version: number, health: Health, depth: number) => {
    const node = byId.get(id);
    const children = node && !seen.has(id) && depth < 20 ? node.children : [];
    seen.add(id);
    return (
      <li key={id}>
        <Link href={`/versions/${encodeURIComponent(id)}`}>v{version}</Link> <HealthBadge health={health} />
        {node?.parent && depth === 0 ? <span className="small muted"> (repaired from v{node.parent.version})</span> : null}
        {children.length ? <ul>{children.map((c) => render(c.id, c.version, c.health, depth + 1))}</ul> : null}
      </li>
    );
  };
  return (
    <div className="lineage">
      <ul>{roots.map((v) => render(v.id, v.version, v.health, 0))}</ul>
    </div>
  );
}
