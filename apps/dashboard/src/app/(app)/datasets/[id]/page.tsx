import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ErrorPanel } from '@/components/Alert';
import { BarChart } from '@/components/charts/BarChart';
import { PageHeader } from '@/components/PageHeader';
import { formatCount, formatDateTime } from '@/lib/format';
import { gateway } from '@/lib/gateway/server';
import { DatasetDetailQuery } from '@/lib/graphql/operations';
import { routeId } from '@/lib/search-params';

export const metadata: Metadata = { title: 'Dataset' };

export default async function DatasetPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const result = await gateway(DatasetDetailQuery, { id: routeId(id) });
  if (!result.ok) {
    return (
      <>
        <PageHeader title="Dataset" crumbs={[{ href: '/datasets', label: 'Datasets' }]} />
        <ErrorPanel title="This dataset could not be loaded." error={result.error} />
      </>
    );
  }
  const dataset = result.data.node;
  if (dataset?.__typename !== 'Dataset') notFound();
  const bars = dataset.classHistogram.map((value, index) => ({ label: String(index), value }));
  const smallest = Math.min(...dataset.classHistogram);
  const largest = Math.max(...dataset.classHistogram);
  return (
    <>
      <PageHeader
        crumbs={[{ href: '/datasets', label: 'Datasets' }]}
        title={dataset.name}
        description={`${formatCount(dataset.count)} images ${dataset.labelled ? `in ${dataset.numClasses} classes` : 'without labels'} · registered ${formatDateTime(dataset.createdAt)}`}
      />
      <div className="grid grid-2">
        <section className="card" aria-labelledby="details-heading">
          <h2 id="details-heading">Details</h2>
          <dl className="meta">
            <dt>Format</dt>
            <dd>{dataset.format}</dd>
            <dt>Images</dt>
            <dd>{formatCount(dataset.count)}</dd>
            <dt>Classes</dt>
            <dd>
              {dataset.labelled ? (
                dataset.numClasses
              ) : (
                <>
                  Unlabelled. Scans and Pivotal Tuning repairs label the images with the suspect model's own predictions, so their
                  held-out figures are agreement with the suspect, not accuracy; evaluations need labels.
                </>
              )}
            </dd>
            <dt>Image shape</dt>
            <dd className="mono">{dataset.imageShape.join(' × ')}</dd>
            <dt>SHA-256</dt>
            <dd className="mono small">{dataset.sha256}</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="histogram-heading">
          <h2 id="histogram-heading">Images per class</h2>
          {bars.length ? (
            <>
              <BarChart
                title={`Images per class: between ${formatCount(smallest)} and ${formatCount(largest)} across ${bars.length} classes`}
                bars={bars}
                xLabel="Class"
                yLabel="Images"
              />
              <details>
                <summary className="small">Show as a table</summary>
                <table>
                  <caption className="visually-hidden">Images per class</caption>
                  <thead>
                    <tr>
                      <th scope="col">Class</th>
                      <th scope="col" className="num">
                        Images
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {bars.map((b) => (
                      <tr key={b.label}>
                        <td>{b.label}</td>
                        <td className="num">{formatCount(b.value)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            </>
          ) : (
            <p className="muted">{dataset.labelled ? 'No class histogram.' : 'No labels, so no classes to count.'}</p>
          )}
        </section>
      </div>
      <section className="card" style={{ marginTop: '1.25rem' }} aria-labelledby="samples-heading">
        <h2 id="samples-heading">Sample images</h2>
        <p className="small muted">
          {dataset.labelled ? 'One row per class, top to bottom from class 0.' : 'The first images, in upload order.'}
        </p>
        {dataset.thumbnailsUrl ? (
          // biome-ignore lint/performance/noImgElement: signed gateway URL, shown as-is (no Next image optimisation)
          <img
            className="thumbnails"
            src={dataset.thumbnailsUrl}
            alt={`Sample images of ${dataset.name}${dataset.labelled ? ', one row per class' : ''}`}
          />
        ) : (
          <p className="muted">No sample image for this dataset.</p>
        )}
      </section>
    </>
  );
}
