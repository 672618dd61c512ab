import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ErrorPanel } from '@/components/Alert';
import { CalibrationNote, VerdictBadge } from '@/components/Badges';
import { JobLive } from '@/components/jobs/JobLive';
import { jobTarget } from '@/components/live/job-target';
import { PageHeader } from '@/components/PageHeader';
import { formatNumber, formatPercent, titleCase } from '@/lib/format';
import { gateway } from '@/lib/gateway/server';
import { JobDetailQuery } from '@/lib/graphql/operations';
import { routeId } from '@/lib/search-params';
import { methodLabel } from '@/lib/tradeoff';

export const metadata: Metadata = { title: 'Job' };

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const result = await gateway(JobDetailQuery, { id: routeId(id), events: 500 });
  if (!result.ok) {
    return (
      <>
        <PageHeader title="Job" crumbs={[{ href: '/jobs', label: 'Jobs' }]} />
        <ErrorPanel title="This job could not be loaded." error={result.error} />
      </>
    );
  }
  const job = result.data.node;
  if (job?.__typename !== 'Job') notFound();
  return (
    <>
      <PageHeader
        crumbs={[{ href: '/jobs', label: 'Jobs' }]}
        title={`${titleCase(job.kind)} job`}
        description={
          <>
            {job.modelVersion ? (
              <Link href={`/versions/${encodeURIComponent(job.modelVersion.id)}`}>
                {job.modelVersion.model.name} v{job.modelVersion.version}
              </Link>
            ) : (
              jobTarget(job)
            )}
            {job.dataset ? (
              <>
                {' '}
                with <Link href={`/datasets/${encodeURIComponent(job.dataset.id)}`}>{job.dataset.name}</Link>
              </>
            ) : null}
          </>
        }
      />
      <JobLive job={job} />
      {job.findings.length ? (
        <section className="card" aria-labelledby="findings-heading">
          <h2 id="findings-heading">Findings</h2>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Findings of this job</caption>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Method</th>
                  <th scope="col">Verdict</th>
                  <th scope="col" className="num">
                    Score
                  </th>
                  <th scope="col" className="num">
                    CDA after
                  </th>
                  <th scope="col" className="num">
                    ASR after
                  </th>
                  <th scope="col">Version</th>
                </tr>
              </thead>
              <tbody>
                {job.findings.map((f) => (
                  <tr key={f.id}>
                    <td>{f.kind === 'repair' ? 'Repair' : 'Detection'}</td>
                    <td>{methodLabel(f.method)}</td>
                    <td>
                      <VerdictBadge verdict={f.verdict} />
                    </td>
                    <td className="num">
                      {formatNumber(f.score)}
                      <CalibrationNote calibration={f.calibration} />
                    </td>
                    <td className="num">{formatPercent(f.cdaAfter)}</td>
                    <td className="num">{formatPercent(f.asrAfter)}</td>
                    <td>
                      <Link href={`/versions/${encodeURIComponent(f.modelVersion.id)}`}>v{f.modelVersion.version}</Link>
                      {f.repairedVersion ? (
                        <>
                          {' → '}
                          <Link href={`/versions/${encodeURIComponent(f.repairedVersion.id)}`}>
                            v{f.repairedVersion.version} (repaired)
                          </Link>
                        </>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
      {job.resultPlotUrl || job.result ? (
        <section className="card" aria-labelledby="result-heading">
          <h2 id="result-heading">Result</h2>
          {job.resultPlotUrl ? (
            // biome-ignore lint/performance/noImgElement: a signed SVG from the gateway, not an optimisable asset
            <img
              src={job.resultPlotUrl}
              alt="Attack success after repair and detection AUC against poison count"
              style={{ maxWidth: '100%' }}
            />
          ) : null}
          <SweepRows result={job.result} />
          <details>
            <summary>Raw result</summary>
            <pre className="mono small" style={{ whiteSpace: 'pre-wrap', margin: 0 }}>
              {JSON.stringify(job.result, null, 2)}
            </pre>
          </details>
        </section>
      ) : null}
      <section className="card" aria-labelledby="params-heading">
        <h2 id="params-heading">Parameters</h2>
        <pre className="mono small" style={{ whiteSpace: 'pre-wrap', margin: 0 }}>
          {JSON.stringify(job.params, null, 2)}
        </pre>
        {job.idempotencyKey ? (
          <p className="small muted" style={{ marginTop: '0.5rem' }}>
            Idempotency key: <code>{job.idempotencyKey}</code>
          </p>
        ) : null}
      </section>
    </>
  );
}

interface SweepRow {
  poisonCount: number;
  models: number;
  detectionAuc: number | null;
  targetHitRate: number | null;
  meanAsrAfter: number | null;
  meanCdaDrop: number;
}

/** A sweep's table: detectability and robustness per poison count. */
function SweepRows({ result }: { result: unknown }) {
  const rows = (result as { rows?: SweepRow[] } | null)?.rows;
  if (!Array.isArray(rows) || rows.length === 0) return null;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Sweep results per poison count</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              Poison count
            </th>
            <th scope="col" className="num">
              Models
            </th>
            <th scope="col" className="num">
              Detection AUC
            </th>
            <th scope="col" className="num">
              Target found
            </th>
            <th scope="col" className="num">
              ASR after repair
            </th>
            <th scope="col" className="num">
              CDA drop
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.poisonCount}>
              <td className="num">{r.poisonCount}</td>
              <td className="num">{r.models}</td>
              <td className="num">{formatNumber(r.detectionAuc)}</td>
              <td className="num">{r.targetHitRate === null ? '—' : formatPercent(r.targetHitRate * 100)}</td>
              <td className="num">{r.meanAsrAfter === null ? '—' : formatPercent(r.meanAsrAfter * 100)}</td>
              <td className="num">{formatPercent(r.meanCdaDrop * 100)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
