import type { Metadata } from 'next';
import Link from 'next/link';
import { EmptyState, ErrorPanel } from '@/components/Alert';
import { Disclosure } from '@/components/Disclosure';
import { RestrictedNote } from '@/components/Field';
import { PageHeader } from '@/components/PageHeader';
import { Pager } from '@/components/Pager';
import { UploadForm } from '@/components/uploads/UploadForm';
import { formatCount, formatDateTime } from '@/lib/format';
import { gateway, getViewerContext } from '@/lib/gateway/server';
import { DatasetsQuery } from '@/lib/graphql/operations';
import { can, whyNot } from '@/lib/permissions';
import { pageCursor, type SearchParams } from '@/lib/search-params';

export const metadata: Metadata = { title: 'Datasets' };

const PAGE_SIZE = 25;

export default async function DatasetsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const cursor = pageCursor(await searchParams);
  const [result, context] = await Promise.all([
    gateway(DatasetsQuery, { first: PAGE_SIZE, after: cursor.after }),
    getViewerContext(),
  ]);
  const role = context.ok ? context.data.viewer.role : 'VIEWER';
  const canUpload = can(role, 'upload');
  return (
    <>
      <PageHeader
        title="Datasets"
        description="Small trusted datasets that scans and repairs use (about 1% of the training data is enough)."
      />

      <Disclosure summary="Register a dataset" defaultOpen={result.ok && result.data.datasets.totalCount === 0 && canUpload}>
        {canUpload ? <UploadForm mode={{ kind: 'dataset' }} /> : <RestrictedNote>{whyNot(role, 'upload')}</RestrictedNote>}
      </Disclosure>

      <section className="card" aria-labelledby="datasets-heading">
        <h2 id="datasets-heading" className="visually-hidden">
          Dataset list
        </h2>
        {!result.ok ? (
          <ErrorPanel title="The datasets could not be loaded." error={result.error} />
        ) : result.data.datasets.edges.length === 0 ? (
          <EmptyState title="No datasets yet">
            <p>Register a trusted dataset above to scan and repair models.</p>
          </EmptyState>
        ) : (
          <>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Datasets</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Format</th>
                    <th scope="col" className="num">
                      Images
                    </th>
                    <th scope="col" className="num">
                      Classes
                    </th>
                    <th scope="col">Image shape</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {result.data.datasets.edges.map(({ node: d }) => (
                    <tr key={d.id}>
                      <td>
                        <Link href={`/datasets/${encodeURIComponent(d.id)}`}>{d.name}</Link>
                      </td>
                      <td>{d.format}</td>
                      <td className="num">{formatCount(d.count)}</td>
                      <td className="num">{d.labelled ? d.numClasses : <span className="muted">unlabelled</span>}</td>
                      <td className="mono small">{d.imageShape.join('×')}</td>
                      <td className="small nowrap">{formatDateTime(d.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              basePath="/datasets"
              query={{}}
              cursor={cursor}
              pageSize={PAGE_SIZE}
              shown={result.data.datasets.edges.length}
              totalCount={result.data.datasets.totalCount}
              endCursor={result.data.datasets.pageInfo.endCursor}
              hasNextPage={result.data.datasets.pageInfo.hasNextPage}
              label="Dataset list"
            />
          </>
        )}
      </section>
    </>
  );
}
