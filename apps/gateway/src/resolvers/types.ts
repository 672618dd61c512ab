/** Field resolvers of the object types: rows -> API shape, relations through DataLoaders. */
import { schema } from '@antidote/db';
import { listJobEvents } from '@antidote/jobs';
import { eq } from 'drizzle-orm';
import { GraphQLScalarType, Kind } from 'graphql';
import { visibleWebhookUrl } from '../access.ts';
import { downloadUrl, reportUrl } from '../artifacts.ts';
import { toApiRole } from '../auth.ts';
import { findingCalibration } from '../calibration.ts';
import type { GraphQLContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { JobKind, JobState, RepairTradeoff, Resolvers, ResolversTypes, Verdict } from '../generated/resolvers.ts';
import { toGlobalId } from '../ids.ts';
import { modelHealth } from '../loaders.ts';
import { paginate } from '../pagination.ts';
import { quotaView } from '../quotas.ts';

const upper = <T extends string>(value: string) => value.toUpperCase().replaceAll('-', '_') as T;

const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

async function must<T>(value: Promise<T | null>, what: string): Promise<T> {
  const row = await value;
  if (!row) throw new ApiError('NOT_FOUND', `${what} not found.`);
  return row;
}

const tenantOf = (ctx: GraphQLContext) => ctx.requireAuth().tenantId;

/** TF.js archives download as .zip; ONNX/Keras versions keep the extension they were uploaded with. */
function downloadExtension(v: { format: string; metadata: Record<string, unknown> }): string {
  if (v.format === 'tfjs-layers') return 'zip';
  const name = typeof v.metadata.filename === 'string' ? v.metadata.filename : '';
  return /\.(onnx|keras|h5|zip)$/i.exec(name)?.[1]?.toLowerCase() ?? (v.format === 'onnx' ? 'onnx' : 'zip');
}

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'ISO-8601 timestamp (UTC).',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString()),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO-8601 string.');
    return date;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new TypeError('DateTime must be a string.');
    const date = new Date(ast.value);
    if (Number.isNaN(date.getTime())) throw new TypeError('DateTime must be an ISO-8601 string.');
    return date;
  },
});

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Arbitrary JSON.',
  serialize: (value) => value,
  parseValue: (value) => value,
});

export const typeResolvers: Resolvers = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Node: {
    __resolveType: (obj) => (obj as { __typename?: string }).__typename as never,
  },
  Tenant: {
    id: (t) => toGlobalId('Tenant', t.id),
    // only tenants the caller reached legitimately arrive here (its own, or its memberships)
    quota: (t, _a, ctx) => ctx.services.database.withTenant(t.id, (tx) => quotaView(tx)),
  },
  User: { id: (u) => u.id },
  Model: {
    id: (m) => toGlobalId('Model', m.id),
    latestVersion: async (m, _a, ctx) => (await ctx.loaders.versionsOfModel.load(m.id)).at(-1) ?? null,
    versionCount: async (m, _a, ctx) => (await ctx.loaders.versionsOfModel.load(m.id)).length,
    health: (m, _a, ctx) => modelHealth(ctx.loaders, m.id),
    versions: (m, args, ctx) =>
      ctx.tenant((tx) =>
        paginate(tx, schema.modelVersions, {
          where: [eq(schema.modelVersions.modelId, m.id)],
          first: args.first,
          after: args.after,
        }),
      ),
    monitors: (m, _a, ctx) => ctx.loaders.monitorsOfModel.load(m.id),
  },
  ModelVersion: {
    id: (v) => toGlobalId('ModelVersion', v.id),
    sha256: (v) => v.artifactSha256,
    model: (v, _a, ctx) => must(ctx.loaders.model.load(v.modelId), 'Model'),
    parent: (v, _a, ctx) => (v.parentVersionId ? ctx.loaders.modelVersion.load(v.parentVersionId) : null),
    children: (v, _a, ctx) => ctx.loaders.childrenOfVersion.load(v.id),
    health: (v, _a, ctx) => ctx.loaders.healthOfVersion.load(v.id),
    findings: (v, _a, ctx) => ctx.loaders.findingsOfVersion.load(v.id),
    downloadUrl: async (v, _a, ctx) => {
      const model = await ctx.loaders.model.load(v.modelId);
      return downloadUrl(
        ctx.services,
        tenantOf(ctx),
        v.artifactSha256,
        `${model?.name ?? 'model'}-v${v.version}.${downloadExtension(v)}`,
      );
    },
    preprocessing: (v) => v.preprocessing as ResolversTypes['Preprocessing'] | null,
    fidelity: (v) => v.fidelity as ResolversTypes['Fidelity'] | null,
  },
  Dataset: {
    id: (d) => toGlobalId('Dataset', d.id),
    sha256: (d) => d.artifactSha256,
    labelled: (d) => d.labelled !== 0,
    thumbnailsUrl: (d, _a, ctx) =>
      d.thumbnailSha256 ? downloadUrl(ctx.services, tenantOf(ctx), d.thumbnailSha256, `${d.name}-samples.png`) : null,
  },
  Job: {
    id: (j) => toGlobalId('Job', j.id),
    kind: (j) => upper<JobKind>(j.kind),
    state: (j) => upper<JobState>(j.state),
    modelVersion: (j, _a, ctx) => (j.modelVersionId ? ctx.loaders.modelVersion.load(j.modelVersionId) : null),
    dataset: (j, _a, ctx) => (j.datasetId ? ctx.loaders.dataset.load(j.datasetId) : null),
    events: (j, args, ctx) => ctx.tenant((tx) => listJobEvents(tx, j.id, args.afterSeq ?? 0, Math.min(args.first ?? 1000, 1000))),
    findings: (j, _a, ctx) => ctx.loaders.findingsOfJob.load(j.id),
    estimate: (j) =>
      j.estimate
        ? {
            seconds: j.estimate.seconds,
            peakMemoryMb: j.estimate.peakBytes / 2 ** 20,
            gflop: j.estimate.flops / 1e9,
            gflopsPerSecond: j.estimate.flopsPerSecond / 1e9,
            expireInSeconds: j.estimate.expireInSeconds,
            estimatedAt: new Date(j.estimate.estimatedAt),
          }
        : null,
    resultPlotUrl: (j, _a, ctx) => {
      const sha = (j.result as { plotSha256?: unknown } | null)?.plotSha256;
      return typeof sha === 'string' ? downloadUrl(ctx.services, tenantOf(ctx), sha, `${j.kind}-${j.id}.svg`) : null;
    },
  },
  JobEvent: {
    jobId: (e) => toGlobalId('Job', e.jobId),
  },
  Finding: {
    id: (f) => toGlobalId('Finding', f.id),
    verdict: (f) => upper<Verdict>(f.verdict),
    modelVersion: (f, _a, ctx) => must(ctx.loaders.modelVersion.load(f.modelVersionId), 'Model version'),
    dataset: (f, _a, ctx) => (f.datasetId ? ctx.loaders.dataset.load(f.datasetId) : null),
    repairedVersion: (f, _a, ctx) => (f.repairedVersionId ? ctx.loaders.modelVersion.load(f.repairedVersionId) : null),
    job: (f, _a, ctx) => (f.jobId ? ctx.loaders.job.load(f.jobId) : null),
    triggerImageUrl: (f, _a, ctx) =>
      f.triggerSha256
        ? downloadUrl(ctx.services, tenantOf(ctx), f.triggerSha256, `trigger-class-${f.suspectedTarget ?? 'x'}.png`)
        : null,
    calibration: (f) => findingCalibration(f),
    reasons: (f) => stringList(f.details.reasons),
    frontier: (f) => (Array.isArray(f.details.frontier) ? (f.details.frontier as RepairTradeoff[]) : []),
    keptRun: (f) => (typeof f.details.keptRun === 'string' ? f.details.keptRun : null),
    runs: (f) => (typeof f.details.runs === 'number' ? f.details.runs : null),
    evidence: async (f, _a, ctx) => {
      const evidence = f.details.evidence as { kind?: unknown; jobId?: unknown } | undefined;
      if (evidence?.kind === 'known-attack') return { kind: 'KNOWN_ATTACK', verificationJob: null };
      if (evidence?.kind === 'verification-scan' && typeof evidence.jobId === 'string') {
        return { kind: 'VERIFICATION_SCAN', verificationJob: await ctx.loaders.job.load(evidence.jobId) };
      }
      return null;
    },
    reportHtmlUrl: (f, _a, ctx) => reportUrl(ctx.services, tenantOf(ctx), f.id, 'html'),
    reportPdfUrl: (f, _a, ctx) => reportUrl(ctx.services, tenantOf(ctx), f.id, 'pdf'),
  },
  Monitor: {
    id: (m) => toGlobalId('Monitor', m.id),
    model: (m, _a, ctx) => must(ctx.loaders.model.load(m.modelId), 'Model'),
    dataset: (m, _a, ctx) => must(ctx.loaders.dataset.load(m.datasetId), 'Dataset'),
    webhooks: (m, _a, ctx) => m.webhooks.map((w) => ({ url: visibleWebhookUrl(ctx.auth, w.url) })),
  },
  ApiKey: {
    id: (k) => toGlobalId('ApiKey', k.id),
    role: (k) => toApiRole(k.role),
  },
  AuditEntry: {
    id: (a) => toGlobalId('AuditEntry', a.id),
  },
};
