import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { EmptyState, ErrorPanel } from '@/components/Alert';
import { CalibrationNote, HealthBadge, VerdictBadge } from '@/components/Badges';
import { ScatterPlot } from '@/components/charts/ScatterPlot';
import { PageHeader } from '@/components/PageHeader';
import { RepairOutcome } from '@/components/RepairOutcome';
import { formatCount, formatDateTime, formatNumber, formatPercent } from '@/lib/format';
import { gateway, getViewerContext } from '@/lib/gateway/server';
import type { FindingFieldsFragment } from '@/lib/graphql/generated';
import { VersionDetailQuery } from '@/lib/graphql/operations';
import { can } from '@/lib/permissions';
import { routeId } from '@/lib/search-params';
import { methodLabel, tradeoffPoints } from '@/lib/tradeoff';

export const metadata: Metadata = { title: 'Model version' };

export default async function VersionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const [result, context] = await Promise.all([gateway(VersionDetailQuery, { id: routeId(id) }), getViewerContext()]);
  if (!result.ok) {
    return (
      <>
        <PageHeader title="Model version" crumbs={[{ href: '/models', label: 'Models' }]} />
        <ErrorPanel title="This model version could not be loaded." error={result.error} />
      </>
    );
  }
  const version = result.data.node;
  if (version?.__typename !== 'ModelVersion') notFound();
  const canStart = context.ok && can(context.data.viewer.role, 'startJob');
  const className = (index: number | null) =>
    index === null ? '—' : version.classNames?.[index] ? `${index} (${version.classNames[index]})` : String(index);

  const findings = [...version.findings].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const detections = findings.filter((f) => f.kind === 'detection');
  const repairs = findings.filter((f) => f.kind === 'repair');
  const triggers = detections.filter((f) => f.triggerImageUrl);
  const points = tradeoffPoints(findings);
  const modelHref = `/models/${encodeURIComponent(version.model.id)}`;

  return (
    <>
      <PageHeader
        crumbs={[
          { href: '/models', label: 'Models' },
          { href: modelHref, label: version.model.name },
        ]}
        title={
          <span className="row">
            {version.model.name} v{version.version} <HealthBadge health={version.health} />
          </span>
        }
        description={`Registered ${formatDateTime(version.createdAt)}`}
        actions={
          <>
            <a className="button" href={version.downloadUrl} download>
              Download model ({version.format === 'tfjs-layers' ? '.zip' : version.format === 'onnx' ? 'ONNX' : 'Keras'})
            </a>
            {canStart ? (
              <>
                <Link className="button" href={`${modelHref}?version=${encodeURIComponent(version.id)}#scan`}>
                  Scan this version
                </Link>
                <Link className="button button-primary" href={`${modelHref}?version=${encodeURIComponent(version.id)}#repair`}>
                  Repair this version
                </Link>
              </>
            ) : null}
          </>
        }
      />

      <div className="grid grid-2">
        <section className="card" aria-labelledby="details-heading">
          <h2 id="details-heading">Details</h2>
          <dl className="meta">
            <dt>Format</dt>
            <dd>{version.format}</dd>
            <dt>Input shape</dt>
            <dd className="mono">{version.inputShape.join(' × ')}</dd>
            <dt>Classes</dt>
            <dd>
              {version.numClasses}
              {version.classNames?.length ? <span className="small muted"> ({version.classNames.join(', ')})</span> : null}
            </dd>
            <dt>Parameters</dt>
            <dd>{formatCount(version.paramCount)}</dd>
            <dt>SHA-256</dt>
            <dd className="mono small">{version.sha256}</dd>
            {version.preprocessing ? (
              <>
                <dt>Preprocessing</dt>
                <dd>
                  <span className="mono small">
                    {version.preprocessing.layout} {version.preprocessing.channelOrder}, ×
                    {formatNumber(version.preprocessing.scale, 6)}, mean [
                    {version.preprocessing.mean.map((m) => formatNumber(m, 3)).join(', ')}], std [
                    {version.preprocessing.std.map((m) => formatNumber(m, 3)).join(', ')}], {version.preprocessing.resize} resize
                  </span>
                  {version.preprocessing.defaulted.length ? (
                    <span className="small muted"> (defaulted: {version.preprocessing.defaulted.join(', ')})</span>
                  ) : null}
                </dd>
              </>
            ) : version.format !== 'tfjs-layers' ? (
              <>
                <dt>Preprocessing</dt>
                <dd className="small muted">Read on the first scan or repair</dd>
              </>
            ) : null}
            {version.fidelity ? (
              <>
                <dt>Fidelity</dt>
                <dd>
                  {formatPercent(version.fidelity.top1Agreement * 100, 2)} top-1 agreement with ONNX Runtime
                  <span className="small muted">
                    {' '}
                    (max |logit diff| {version.fidelity.maxAbsDiff.toExponential(1)} on {version.fidelity.n}{' '}
                    {version.fidelity.inputs} inputs)
                  </span>
                  {version.fidelity.top1Agreement < 0.999 ? (
                    <span className="small"> Below 99.9%: scans and repairs need a stated reason.</span>
                  ) : null}
                </dd>
              </>
            ) : null}
          </dl>
        </section>
        <section className="card" aria-labelledby="lineage-heading">
          <h2 id="lineage-heading">Lineage</h2>
          <dl className="meta">
            <dt>Repaired from</dt>
            <dd>
              {version.parent ? (
                <>
                  <Link href={`/versions/${encodeURIComponent(version.parent.id)}`}>v{version.parent.version}</Link>{' '}
                  <HealthBadge health={version.parent.health} />
                </>
              ) : (
                'Original upload'
              )}
            </dd>
            <dt>Repaired into</dt>
            <dd>
              {version.children.length
                ? version.children.map((c) => (
                    <span key={c.id} className="row">
                      <Link href={`/versions/${encodeURIComponent(c.id)}`}>v{c.version}</Link> <HealthBadge health={c.health} />
                    </span>
                  ))
                : 'No repaired version yet'}
            </dd>
          </dl>
        </section>
      </div>

      {findings.length === 0 ? (
        <section className="card" style={{ marginTop: '1.25rem' }} aria-labelledby="findings-heading">
          <h2 id="findings-heading">Findings</h2>
          <EmptyState title="Not scanned yet">
            <p>Start a scan to find out whether this version carries a backdoor.</p>
          </EmptyState>
        </section>
      ) : (
        <>
          {triggers.length ? (
            <section className="card" style={{ marginTop: '1.25rem' }} aria-labelledby="trigger-heading">
              <h2 id="trigger-heading">Inverted triggers</h2>
              <p className="small muted">The pattern each detector reconstructed for the suspected target class.</p>
              <div className="row" style={{ alignItems: 'flex-start', gap: '1.5rem' }}>
                {triggers.map((f) => (
                  <figure key={f.id} style={{ margin: 0 }}>
                    {/* biome-ignore lint/performance/noImgElement: signed gateway URL, shown as-is (no Next image optimisation) */}
                    <img
                      className="trigger-image"
                      src={f.triggerImageUrl ?? undefined}
                      alt={`Inverted trigger found by ${methodLabel(f.method)} for class ${className(f.suspectedTarget)}`}
                    />
                    <figcaption className="small">
                      {methodLabel(f.method)} · target {className(f.suspectedTarget)}
                    </figcaption>
                  </figure>
                ))}
              </div>
            </section>
          ) : null}

          <section className="card" style={{ marginTop: '1.25rem' }} aria-labelledby="findings-heading">
            <h2 id="findings-heading">Findings</h2>
            <FindingsTable findings={findings} className={className} />
            {findings
              .filter((f) => f.kind === 'repair' && (f.verdict === 'NOT_REPAIRED' || f.frontier.length > 0))
              .slice(0, 3)
              .map((f) => (
                <RepairOutcome key={f.id} finding={f} />
              ))}
          </section>

          <section className="card" aria-labelledby="tradeoff-heading">
            <h2 id="tradeoff-heading">Attack success vs clean accuracy</h2>
            <p className="small muted">
              Each repair moves the model from its “before” point (hollow) towards the bottom right: low attack success rate
              (ASR), high clean accuracy (CDA).
            </p>
            {points.some((p) => !p.hollow || p.group !== 'Before repair') ? (
              <ScatterPlot
                title="ASR versus CDA by repair method"
                points={points}
                xLabel="Clean accuracy, CDA (%)"
                yLabel="Attack success rate, ASR (%)"
              />
            ) : (
              <p className="muted">
                {repairs.length
                  ? 'ASR is measured only when the attack is known (benchmarks and demos), so there is nothing to plot for these repairs.'
                  : 'No repair of this version yet.'}
              </p>
            )}
          </section>
        </>
      )}
    </>
  );
}

function FindingsTable({
  findings,
  className,
}: {
  findings: FindingFieldsFragment[];
  className: (index: number | null) => string;
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption>Newest first. CDA and ASR are shown before → after repair, in percent.</caption>
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Method</th>
            <th scope="col">Verdict</th>
            <th scope="col" className="num">
              Score / thr.
            </th>
            <th scope="col">Target</th>
            <th scope="col" className="num">
              CDA
            </th>
            <th scope="col" className="num">
              ASR
            </th>
            <th scope="col">Result</th>
            <th scope="col">Report</th>
            <th scope="col">Date</th>
          </tr>
        </thead>
        <tbody>
          {findings.map((f) => (
            <tr key={f.id}>
              <td>{f.kind === 'repair' ? 'Repair' : 'Detection'}</td>
              <td>{methodLabel(f.method)}</td>
              <td>
                <VerdictBadge verdict={f.verdict} />
              </td>
              <td className="num nowrap">
                {formatNumber(f.score)} / {formatNumber(f.threshold)}
                <CalibrationNote calibration={f.calibration} />
              </td>
              <td>{className(f.suspectedTarget)}</td>
              <td className="num nowrap">
                {formatPercent(f.cdaBefore)} → {formatPercent(f.cdaAfter)}
                {f.dataset?.labelled === false ? <span className="small muted"> agreement with the suspect</span> : null}
              </td>
              <td className="num nowrap">
                {formatPercent(f.asrBefore)} → {formatPercent(f.asrAfter)}
              </td>
              <td className="small">
                {f.repairedVersion ? (
                  <Link href={`/versions/${encodeURIComponent(f.repairedVersion.id)}`}>v{f.repairedVersion.version}</Link>
                ) : null}
                {f.job ? (
                  <>
                    {f.repairedVersion ? ' · ' : null}
                    <Link href={`/jobs/${encodeURIComponent(f.job.id)}`}>job</Link>
                  </>
                ) : null}
                {f.dataset ? <div className="muted">on {f.dataset.name}</div> : null}
              </td>
              <td className="small">
                <a
                  href={f.reportHtmlUrl}
                  target="_blank"
                  rel="noopener noreferrer"
                  aria-label={`HTML report of ${methodLabel(f.method)} ${f.kind}`}
                >
                  HTML
                </a>{' '}
                ·{' '}
                <a
                  href={f.reportPdfUrl}
                  target="_blank"
                  rel="noopener noreferrer"
                  aria-label={`PDF report of ${methodLabel(f.method)} ${f.kind}`}
                >
                  PDF
                </a>
              </td>
              <td className="small nowrap">{formatDateTime(f.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
