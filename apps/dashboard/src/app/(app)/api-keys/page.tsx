import type { Metadata } from 'next';
import { EmptyState, ErrorPanel } from '@/components/Alert';
import { CreateApiKeyForm } from '@/components/api-keys/CreateApiKeyForm';
import { RevokeKeyButton } from '@/components/api-keys/RevokeKeyButton';
import { RestrictedNote } from '@/components/Field';
import { PageHeader } from '@/components/PageHeader';
import { Pager } from '@/components/Pager';
import { formatDateTime } from '@/lib/format';
import { gateway, getViewerContext } from '@/lib/gateway/server';
import { ApiKeysQuery } from '@/lib/graphql/operations';
import { can, grantableRoles, roleLabel, whyNot } from '@/lib/permissions';
import { pageCursor, type SearchParams } from '@/lib/search-params';

export const metadata: Metadata = { title: 'API keys' };

const PAGE_SIZE = 25;

function status(key: { revokedAt: string | null; expiresAt: string | null }, now: number) {
  if (key.revokedAt) return <span className="badge badge-failed">Revoked</span>;
  if (key.expiresAt && Date.parse(key.expiresAt) <= now) return <span className="badge">Expired</span>;
  return <span className="badge badge-clean">Active</span>;
}

export default async function ApiKeysPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const cursor = pageCursor(await searchParams);
  const context = await getViewerContext();
  const role = context.ok ? context.data.viewer.role : 'VIEWER';
  // the gateway shows keys to admins only: others are not asked to fail
  const result = can(role, 'viewApiKeys') ? await gateway(ApiKeysQuery, { first: PAGE_SIZE, after: cursor.after }) : null;
  const canManage = can(role, 'manageApiKeys');
  const now = Date.now();
  const tomorrow = new Date(now + 86_400_000).toISOString().slice(0, 10);

  return (
    <>
      <PageHeader title="API keys" description="Keys for CI pipelines and the antidote CLI, bound to this tenant and a role." />

      <section className="card" aria-labelledby="create-key-heading">
        <h2 id="create-key-heading">Create a key</h2>
        {canManage ? (
          <CreateApiKeyForm roles={grantableRoles(role)} minDate={tomorrow} />
        ) : (
          <RestrictedNote>{whyNot(role, 'manageApiKeys')}</RestrictedNote>
        )}
      </section>

      <section className="card" aria-labelledby="keys-heading">
        <h2 id="keys-heading">Keys</h2>
        {!result ? (
          <RestrictedNote>{whyNot(role, 'viewApiKeys')}</RestrictedNote>
        ) : !result.ok ? (
          <ErrorPanel title="The API keys could not be loaded." error={result.error} />
        ) : result.data.apiKeys.edges.length === 0 ? (
          <EmptyState title="No API keys yet" />
        ) : (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">API keys</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Prefix</th>
                    <th scope="col">Role</th>
                    <th scope="col">Scopes</th>
                    <th scope="col">Status</th>
                    <th scope="col">Created</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Last used</th>
                    {canManage ? (
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    ) : null}
                  </tr>
                </thead>
                <tbody>
                  {result.data.apiKeys.edges.map(({ node: key }) => (
                    <tr key={key.id}>
                      <td>{key.name}</td>
                      <td className="mono small">{key.prefix}…</td>
                      <td>{roleLabel(key.role)}</td>
                      <td className="small">
                        {key.scopes.length ? key.scopes.join(', ') : <span className="muted">All of the role</span>}
                      </td>
                      <td>{status(key, now)}</td>
                      <td className="small nowrap">{formatDateTime(key.createdAt)}</td>
                      <td className="small">{key.expiresAt ? formatDateTime(key.expiresAt) : 'Never'}</td>
                      <td className="small">{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : 'Never'}</td>
                      {canManage ? <td>{key.revokedAt ? null : <RevokeKeyButton id={key.id} name={key.name} />}</td> : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              basePath="/api-keys"
              query={{}}
              cursor={cursor}
              pageSize={PAGE_SIZE}
              shown={result.data.apiKeys.edges.length}
              totalCount={result.data.apiKeys.totalCount}
              endCursor={result.data.apiKeys.pageInfo.endCursor}
              hasNextPage={result.data.apiKeys.pageInfo.hasNextPage}
              label="API key list"
            />
          </>
        )}
      </section>
    </>
  );
}
