import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState, ErrorPanel } from '@/components/Alert';
import { HealthBadge } from '@/components/Badges';
import { Disclosure } from '@/components/Disclosure';
import { RestrictedNote } from '@/components/Field';
import { PageHeader } from '@/components/PageHeader';
import { Pager } from '@/components/Pager';
import { UploadForm } from '@/components/uploads/UploadForm';
import { formatDateTime } from '@/lib/format';
import { gateway, getViewerContext } from '@/lib/gateway/server';
import { ModelsQuery } from '@/lib/graphql/operations';
import { can, whyNot } from '@/lib/permissions';
import { pageCursor, param, type SearchParams } from '@/lib/search-params';

export const metadata: Metadata = { title: 'Models' };

const PAGE_SIZE = 25;

export default async function ModelsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const search = param(params, 'q')?.slice(0, 200);
  const cursor = pageCursor(params);
  const [result, context] = await Promise.all([
    gateway(ModelsQuery, { first: PAGE_SIZE, after: cursor.after, search }),
    getViewerContext(),
  ]);
  const role = context.ok ? context.data.viewer.role : 'VIEWER';
  const canUpload = can(role, 'upload');

  return (
    <>
      <PageHeader title="Models" description="Image classifiers registered in this tenant, with their backdoor health." />

      <Disclosure
        summary="Register a model"
        defaultOpen={result.ok && result.data.models.totalCount === 0 && !search && canUpload}
      >
        {canUpload ? <UploadForm mode={{ kind: 'model' }} /> : <RestrictedNote>{whyNot(role, 'upload')}</RestrictedNote>}
      </Disclosure>

      <section className="card" aria-labelledby="models-heading">
        <h2 id="models-heading" className="visually-hidden">
          Model list
        </h2>
        <form className="filters" action="/models" aria-label="Search models">
          <div className="field">
            <label htmlFor="model-search">Search by name</label>
            <input id="model-search" type="search" name="q" defaultValue={search ?? ''} placeholder="e.g. resnet" />
          </div>
          <button type="submit" className="button">
            Search
          </button>
          {search ? (
            <Link href="/models" className="button">
              Clear
            </Link>
          ) : null}
        </form>

        {!result.ok ? (
          <ErrorPanel title="The models could not be loaded." error={result.error} />
        ) : result.data.models.edges.length === 0 ? (
          <EmptyState title={search ? `No model matches “${search}”` : 'No models yet'}>
            {search ? <p>Try another name.</p> : <p>Register a model above: a zipped TensorFlow.js layers model.</p>}
          </EmptyState>
        ) : (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Models{search ? ` matching “${search}”` : ''}</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Health</th>
                    <th scope="col" className="num">
                      Versions
                    </th>
                    <th scope="col">Latest version</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {result.data.models.edges.map(({ node: model }) => (
                    <tr key={model.id}>
                      <td>
                        <Link href={`/models/${encodeURIComponent(model.id)}`}>{model.name}</Link>
                        {model.description ? <div className="small muted">{model.description}</div> : null}
                      </td>
                      <td>
                        <HealthBadge health={model.health} />
                      </td>
                      <td className="num">{model.versionCount}</td>
                      <td>
                        {model.latestVersion ? (
                          <Link href={`/versions/${encodeURIComponent(model.latestVersion.id)}`}>
                            v{model.latestVersion.version}
                          </Link>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td className="small nowrap">{formatDateTime(model.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              basePath="/models"
              query={{ q: search }}
              cursor={cursor}
              pageSize={PAGE_SIZE}
              shown={result.data.models.edges.length}
              totalCount={result.data.models.totalCount}
              endCursor={result.data.models.pageInfo.endCursor}
              hasNextPage={result.data.models.pageInfo.hasNextPage}
              label="Model list"
            />
          </>
        )}
      </section>
    </>
  );
}
