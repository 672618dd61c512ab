/**
 * Per-finding reports for auditors, as HTML (self-contained: images inlined) and PDF: what was
 * checked (model, version, sha256, trusted data), how (method, parameters), and the outcome.
 */
import { schema, type Tx } from '@antidote/db';
import { readAllBytes } from '@antidote/storage';
import { eq } from 'drizzle-orm';
import PDFDocument from 'pdfkit';
import { calibrationText } from './calibration.ts';
import type { GatewayServices } from './context.ts';

export interface ReportData {
  finding: typeof schema.findings.$inferSelect;
  version: typeof schema.modelVersions.$inferSelect;
  model: typeof schema.models.$inferSelect;
  dataset: typeof schema.datasets.$inferSelect | null;
  repaired: typeof schema.modelVersions.$inferSelect | null;
  tenant: typeof schema.tenants.$inferSelect;
  trigger: Uint8Array | null;
}

export async function loadReport(tx: Tx, services: GatewayServices, findingId: string): Promise<ReportData | null> {
  const [finding] = await tx.select().from(schema.findings).where(eq(schema.findings.id, findingId));
  if (!finding) return null;
  const [version] = await tx.select().from(schema.modelVersions).where(eq(schema.modelVersions.id, finding.modelVersionId));
  if (!version) return null;
  const [model] = await tx.select().from(schema.models).where(eq(schema.models.id, version.modelId));
  const [tenant] = await tx.select().from(schema.tenants);
  if (!model || !tenant) return null;
  const [dataset] = finding.datasetId
    ? await tx.select().from(schema.datasets).where(eq(schema.datasets.id, finding.datasetId))
    : [];
  const [repaired] = finding.repairedVersionId
    ? await tx.select().from(schema.modelVersions).where(eq(schema.modelVersions.id, finding.repairedVersionId))
    : [];
  const trigger =
    finding.triggerSha256 && (await services.store.stat(finding.triggerSha256))
      ? await readAllBytes(services.store, finding.triggerSha256)
      : null;
  return { finding, version, model, dataset: dataset ?? null, repaired: repaired ?? null, tenant, trigger };
}

const escapeHtml = (value: unknown) =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
const pct = (value: number | null) => (value === null ? '—' : `${value.toFixed(1)}%`);
const num = (value: number | null) => (value === null ? '—' : value.toFixed(3));

function rows(data: ReportData): [string, string][] {
  const { finding, version, model, dataset, repaired } = data;
  return [
    ['Tenant', data.tenant.name],
    ['Model', `${model.name} (version ${version.version})`],
    ['Model sha256', version.artifactSha256],
    [
      'Architecture',
      `${version.inputShape.join('x')} input, ${version.numClasses} classes, ${version.paramCount.toLocaleString('en')} parameters`,
    ],
    [
      'Trusted data',
      dataset
        ? `${dataset.name}: ${dataset.count} images${dataset.labelled ? '' : " without labels (labelled by the suspect's predictions)"}, sha256 ${dataset.artifactSha256}`
        : '—',
    ],
    ['Kind', finding.kind],
    ['Method', finding.method],
    ['Verdict', finding.verdict.toUpperCase()],
    ['Score / threshold', `${num(finding.score)} / ${num(finding.threshold)}`],
    ...(calibrationText(finding) ? ([['Calibration', calibrationText(finding) ?? '']] as [string, string][]) : []),
    ['Suspected target class', finding.suspectedTarget === null ? '—' : String(finding.suspectedTarget)],
    [
      finding.params.heldOutMetric === 'agreement'
        ? 'Held-out agreement with the suspect before → after'
        : 'Clean accuracy before → after',
      `${pct(finding.cdaBefore)} → ${pct(finding.cdaAfter)}`,
    ],
    ['Attack success before → after', `${pct(finding.asrBefore)} → ${pct(finding.asrAfter)}`],
    ['Repaired version', repaired ? `version ${repaired.version}, sha256 ${repaired.artifactSha256}` : '—'],
    ['Parameters', JSON.stringify(finding.params)],
    ['Created', finding.createdAt.toISOString()],
  ];
}

/** Clean accuracy (x) against attack success (y), before and after: the repair's trade-off. */
function tradeoffSvg(data: ReportData): string {
  const { cdaBefore, cdaAfter, asrBefore, asrAfter } = data.finding;
  if (cdaBefore === null || cdaAfter === null || asrBefore === null || asrAfter === null) return '';
  const x = (v: number) => 40 + (v / 100) * 300;
  const y = (v: number) => 220 - (v / 100) * 200;
  return `<svg role="img" aria-label="Attack success against clean accuracy, before and after" width="360" height="250" viewBox="0 0 360 250">
  <line x1="40" y1="220" x2="340" y2="220" stroke="#444"/><line x1="40" y1="20" x2="40" y2="220" stroke="#444"/>
  <text x="190" y="245" text-anchor="middle" font-size="11">clean accuracy (%)</text>
  <text x="12" y="120" font-size="11" transform="rotate(-90 12 120)" text-anchor="middle">attack success (%)</text>
  <line x1="${x(cdaBefore)}" y1="${y(asrBefore)}" x2="${x(cdaAfter)}" y2="${y(asrAfter)}" stroke="#888" stroke-dasharray="4"/>
  <circle cx="${x(cdaBefore)}" cy="${y(asrBefore)}" r="6" fill="#c0392b"><title>before</title></circle>
  <circle cx="${x(cdaAfter)}" cy="${y(asrAfter)}" r="6" fill="#27ae60"><title>after</title></circle>
</svg>`;
}

export function renderReportHtml(data: ReportData): string {
  const trigger = data.trigger
    ? `<h2>Inverted trigger</h2><img alt="Inverted trigger for class ${escapeHtml(data.finding.suspectedTarget)}" src="data:image/png;base64,${Buffer.from(data.trigger).toString('base64')}" width="168" style="image-rendering:pixelated;border:1px solid #ccc">`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Antidote report: ${escapeHtml(data.model.name)} v${data.version.version}</title>
<style>body{font-family:system-ui,sans-serif;max-width:860px;margin:2rem auto;color:#222}table{border-collapse:collapse;width:100%}th,td{border:1px solid #ddd;padding:.4rem .6rem;text-align:left;vertical-align:top;word-break:break-all}th{background:#f5f5f5;width:34%}</style>
</head><body><main>
<h1>Backdoor ${data.finding.kind === 'repair' ? 'repair' : 'scan'} report</h1>
<p>Finding ${escapeHtml(data.finding.id)} for ${escapeHtml(data.model.name)} version ${data.version.version}.</p>
<table>${rows(data)
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('')}</table>
${trigger}
${tradeoffSvg(data) ? `<h2>Trade-off</h2>${tradeoffSvg(data)}` : ''}
<h2>Method</h2><p>${escapeHtml(methodText(data))}</p>
</main></body></html>`;
}

/** How the finding was reached, in words (both report formats). */
function methodText(data: ReportData): string {
  return data.finding.method === 'cti'
    ? ctiMethod(data.finding.params)
    : 'Repair by fine-tuning on the trusted data with the named method; accuracy measured on held-out trusted images.';
}

const TRIGGER_SHAPES: Record<string, string> = {
  additive: 'a faint full-image trigger',
  patch: 'a small stamped patch',
  warp: 'a smooth warp of the image',
};

/** The scan's method in words, from the trigger families and combination rule the finding records. */
export function ctiMethod(params: Record<string, unknown>): string {
  const families = String(params.triggerFamilies ?? 'additive').split(',');
  const shapes = families.map((f) => TRIGGER_SHAPES[f] ?? f);
  const listed = shapes.length > 1 ? `${shapes.slice(0, -1).join(', ')} and ${shapes.at(-1)}` : (shapes[0] ?? '');
  const score =
    params.combine === 'centred'
      ? "each shape's success gaps are lowered by that shape's median over the classes, and the score is the largest gap left"
      : 'the score is the largest success gap over classes';
  return `Calibrated Trigger Inversion: per class, ${listed} ${shapes.length > 1 ? 'are' : 'is'} optimised to flip the suspect model but not a reference repaired by Pivotal Tuning; ${score}.`;
}

export function renderReportPdf(data: ReportData): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Antidote report ${data.finding.id}` } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.fontSize(18).text(`Backdoor ${data.finding.kind === 'repair' ? 'repair' : 'scan'} report`);
    doc.moveDown(0.5).fontSize(10).fillColor('#555').text(`Finding ${data.finding.id}`).fillColor('#000').moveDown();
    for (const [key, value] of rows(data)) {
      doc.font('Helvetica-Bold').fontSize(10).text(key, { continued: false });
      doc.font('Helvetica').fontSize(10).text(value).moveDown(0.4);
    }
    if (data.trigger) {
      doc.moveDown().font('Helvetica-Bold').text('Inverted trigger');
      doc.image(Buffer.from(data.trigger), { width: 120 });
    }
    doc.moveDown().font('Helvetica-Bold').fontSize(10).text('Method');
    doc.font('Helvetica').fontSize(10).text(methodText(data));
    doc.end();
  });
}
