/**
 * Mutations. User mistakes never throw: they come back as `userErrors` with a stable code.
 * Every state change is audited in the same transaction; jobs are enqueued after commit (and a
 * reconciler re-sends any a crash left behind).
 */
import { classHistogram, datasetThumbnailGrid, importDataset } from '@antidote/core/datasets';
import { describeModelArchive } from '@antidote/core/formats';
import { appendAudit, insertModelVersion, recordArtifact, schema, type Tx } from '@antidote/db';
import { DEFAULT_CDA_BUDGET, deliverWebhook, insertJob, type Job, type JobKind, requestCancel } from '@antidote/jobs';
import { signToken } from '@antidote/storage';
import { and, eq, isNull } from 'drizzle-orm';
import { readArtifact } from '../artifacts.ts';
import { type AuthContext, createSession, deleteSession, fromApiRole, newApiKeySecret, requireRole } from '../auth.ts';
import type { GraphQLContext } from '../context.ts';
import { ApiError, toUserError } from '../errors.ts';
import type { KnownAttackInput, Resolvers, UserError } from '../generated/resolvers.ts';
import { decodeId, type NodeType, toGlobalId } from '../ids.ts';
import { verifyIdToken } from '../oidc.ts';

const UPLOAD_TTL_MS = 60 * 60_000;
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._()-]{0,99}$/u;

/** Runs a mutation body; known failures become userErrors, unknown ones propagate (masked). */
async function attempt<T extends object, D extends object = object>(
  work: () => Promise<T>,
  emptyPayload?: D,
): Promise<(T | (D & Partial<T>)) & { userErrors: UserError[] }> {
  try {
    return { ...(await work()), userErrors: [] };
  } catch (error) {
    const userError = toUserError(error);
    if (!userError) throw error;
    return { ...(emptyPayload as D), userErrors: [userError] } as D & Partial<T> & { userErrors: UserError[] };
  }
}

function need(globalId: string, type: NodeType, field: string[]): string {
  const id = decodeId(globalId, type);
  if (!id) throw new ApiError('NOT_FOUND', `No ${type} with this ID.`, field);
  return id;
}

function checkName(name: string, field: string[]): string {
  const trimmed = name.trim();
  if (!NAME.test(trimmed)) {
    throw new ApiError(
      'INVALID_INPUT',
      'Names are 1-100 letters, digits, spaces or ._()- and start with a letter or digit.',
      field,
    );
  }
  return trimmed;
}

const audit = (tx: Tx, auth: AuthContext, action: string, target: string, details: Record<string, unknown> = {}) =>
  appendAudit(tx, { tenantId: auth.tenantId, actor: auth.actor, action, target, details });

async function completedUpload(ctx: GraphQLContext, uploadGlobalId: string, purpose: 'model' | 'dataset') {
  const uploadId = need(uploadGlobalId, 'Upload', ['input', 'uploadId']);
  const [upload] = await ctx.tenant((tx) => tx.select().from(schema.uploads).where(eq(schema.uploads.id, uploadId)));
  if (!upload) throw new ApiError('NOT_FOUND', 'No upload with this ID.', ['input', 'uploadId']);
  if (upload.purpose !== purpose)
    throw new ApiError('INVALID_INPUT', `This upload was created for a ${upload.purpose}.`, ['input', 'uploadId']);
  if (!upload.sha256 || !upload.completedAt) {
    throw new ApiError('INVALID_INPUT', 'The upload has no bytes yet: PUT the file to its URL first.', ['input', 'uploadId']);
  }
  return { ...upload, sha256: upload.sha256 };
}

/** Cheap validation in the gateway (model.json + manifest only, no TensorFlow). */
async function describeUploadedModel(ctx: GraphQLContext, sha256: string) {
  const bytes = await readArtifact(ctx.services, sha256, ctx.services.env.maxUploadBytes);
  try {
    return describeModelArchive(bytes, { maxBytes: ctx.services.env.maxUploadBytes * 4 });
  } catch (error) {
    throw Object.assign(error as Error, { field: ['input', 'uploadId'] });
  }
}

async function enqueueAfterCommit(ctx: GraphQLContext, jobs: { job: Job; created: boolean }[]) {
  for (const { job, created } of jobs) if (created) await ctx.services.queue.enqueue(job);
}

function knownAttack(input: KnownAttackInput | null | undefined) {
  return input ? { knownAttack: { name: input.name, targetClass: input.targetClass } } : {};
}

function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], null | undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], null | undefined>;
  };
}

/** The model version and dataset must exist for this tenant and fit each other. */
async function compatiblePair(ctx: GraphQLContext, versionGlobalId: string, datasetGlobalId: string) {
  const versionId = need(versionGlobalId, 'ModelVersion', ['input', 'modelVersionId']);
  const datasetId = need(datasetGlobalId, 'Dataset', ['input', 'datasetId']);
  const [version, dataset] = await Promise.all([ctx.loaders.modelVersion.load(versionId), ctx.loaders.dataset.load(datasetId)]);
  if (!version) throw new ApiError('NOT_FOUND', 'No model version with this ID.', ['input', 'modelVersionId']);
  if (!dataset) throw new ApiError('NOT_FOUND', 'No dataset with this ID.', ['input', 'datasetId']);
  if (version.numClasses !== dataset.numClasses) {
    throw new ApiError(
      'CLASS_MISMATCH',
      `The model has ${version.numClasses} classes but the dataset has ${dataset.numClasses}.`,
      ['input', 'datasetId'],
    );
  }
  if (version.inputShape.join('x') !== dataset.imageShape.join('x')) {
    throw new ApiError(
      'SHAPE_MISMATCH',
      `The model takes ${version.inputShape.join('x')} images but the dataset holds ${dataset.imageShape.join('x')}.`,
      ['input', 'datasetId'],
    );
  }
  return { versionId, datasetId };
}

async function startJob<K extends JobKind>(
  ctx: GraphQLContext,
  kind: K,
  params: Record<string, unknown>,
  idempotencyKey?: string | null,
) {
  const auth = ctx.requireAuth();
  requireRole(auth, 'analyst');
  if (idempotencyKey && idempotencyKey.length > 200)
    throw new ApiError('INVALID_INPUT', 'idempotencyKey is at most 200 characters.', ['input', 'idempotencyKey']);
  const result = await ctx.tenant(async (tx) => {
    const inserted = await insertJob(tx, {
      tenantId: auth.tenantId,
      kind,
      params: params as never,
      idempotencyKey: idempotencyKey ?? null,
      createdBy: auth.userId,
    });
    if (inserted.created) await audit(tx, auth, 'job.start', `job:${inserted.job.id}`, { kind, params });
    // Accepting more clean-accuracy loss than the default is a decision someone answers for.
    const budget = typeof params.cdaBudget === 'number' ? params.cdaBudget : null;
    if (inserted.created && kind === 'repair' && budget !== null && budget > DEFAULT_CDA_BUDGET) {
      await audit(tx, auth, 'repair.budget.override', `job:${inserted.job.id}`, {
        cdaBudget: budget,
        reason: params.budgetReason,
      });
    }
    return inserted;
  });
  await enqueueAfterCommit(ctx, [result]);
  return { job: result.job };
}

export const mutationResolvers: Resolvers = {
  Mutation: {
    signIn: (_p, { input }, ctx) =>
      attempt(async () => {
        const session = await createSession(ctx.services.database, input.email.trim(), input.password);
        if (!session) throw new ApiError('UNAUTHENTICATED', 'Wrong email or password.', ['input', 'password']);
        return session;
      }),
    signInWithOidc: (_p, { input }, ctx) =>
      attempt(async () => {
        const config = ctx.services.env.oidc;
        if (!config) throw new ApiError('INVALID_INPUT', 'Single sign-on is not configured on this gateway.');
        const email = await verifyIdToken(input.idToken, config);
        const session = await createSession(ctx.services.database, email, { verifiedBySso: true as const });
        if (!session)
          throw new ApiError('UNAUTHENTICATED', `No Antidote user has the email ${email}; ask an admin to invite you.`);
        return session;
      }),
    signOut: async (_p, _a, ctx) => {
      const auth = ctx.requireAuth();
      if (auth.sessionId) await deleteSession(ctx.services.database, auth.sessionId);
      return true;
    },

    createUpload: (_p, { input }, ctx) =>
      attempt(async () => {
        const auth = ctx.requireAuth();
        requireRole(auth, 'analyst');
        const max = ctx.services.env.maxUploadBytes;
        if (!Number.isInteger(input.sizeBytes) || input.sizeBytes <= 0) {
          throw new ApiError('INVALID_INPUT', 'sizeBytes must be a positive integer.', ['input', 'sizeBytes']);
        }
        if (input.sizeBytes > max)
          throw new ApiError('TOO_LARGE', `Uploads are limited to ${max} bytes.`, ['input', 'sizeBytes']);
        const filename = input.filename.slice(0, 200);
        const expiresAt = new Date(Date.now() + UPLOAD_TTL_MS);
        const [upload] = await ctx.tenant((tx) =>
          tx
            .insert(schema.uploads)
            .values({
              tenantId: auth.tenantId,
              purpose: input.purpose.toLowerCase(),
              filename,
              maxBytes: input.sizeBytes,
              expiresAt,
            })
            .returning(),
        );
        if (!upload) throw new Error('upload insert returned nothing');
        const token = signToken(ctx.services.env.signingSecret, {
          tenantId: auth.tenantId,
          purpose: 'upload',
          uploadId: upload.id,
          maxBytes: input.sizeBytes,
          expiresAt: expiresAt.getTime(),
        });
        return {
          upload: {
            id: toGlobalId('Upload', upload.id),
            url: `${ctx.services.publicUrl()}/uploads/${upload.id}?token=${token}`,
            maxBytes: input.sizeBytes,
            expiresAt,
          },
        };
      }),

    registerModel: (_p, { input }, ctx) =>
      attempt(async () => {
        const auth = ctx.requireAuth();
        requireRole(auth, 'analyst');
        const name = checkName(input.name, ['input', 'name']);
        const upload = await completedUpload(ctx, input.uploadId, 'model');
        const described = await describeUploadedModel(ctx, upload.sha256);
        return ctx.tenant(async (tx) => {
          const [model] = await tx
            .insert(schema.models)
            .values({ tenantId: auth.tenantId, name, description: input.description ?? '', createdBy: auth.userId })
            .onConflictDoNothing()
            .returning();
          if (!model)
            throw new ApiError('CONFLICT', `A model named "${name}" exists; add a version to it instead.`, ['input', 'name']);
          const version = await insertModelVersion(tx, {
            tenantId: auth.tenantId,
            modelId: model.id,
            artifactSha256: upload.sha256,
            format: described.format,
            inputShape: described.inputShape,
            numClasses: described.numClasses,
            paramCount: described.paramCount,
            metadata: { files: described.files, weightBytes: described.weightBytes, filename: upload.filename },
          });
          await audit(tx, auth, 'model.register', `model:${model.id}`, { name, sha256: upload.sha256 });
          return { model, version };
        });
      }),

    addModelVersion: (_p, { input }, ctx) =>
      attempt(
        async () => {
          const auth = ctx.requireAuth();
          requireRole(auth, 'analyst');
          const modelId = need(input.modelId, 'Model', ['input', 'modelId']);
          const upload = await completedUpload(ctx, input.uploadId, 'model');
          const described = await describeUploadedModel(ctx, upload.sha256);
          const result = await ctx.tenant(async (tx) => {
            const version = await insertModelVersion(tx, {
              tenantId: auth.tenantId,
              modelId,
              artifactSha256: upload.sha256,
              format: described.format,
              inputShape: described.inputShape,
              numClasses: described.numClasses,
              paramCount: described.paramCount,
              metadata: { files: described.files, weightBytes: described.weightBytes, filename: upload.filename },
            });
            if (!version) throw new ApiError('NOT_FOUND', 'No model with this ID.', ['input', 'modelId']);
            await audit(tx, auth, 'model.version.add', `model_version:${version.id}`, {
              version: version.version,
              sha256: upload.sha256,
            });
            // continuous monitoring: every enabled monitor of this model scans the new version
            const monitors = await tx
              .select()
              .from(schema.monitors)
              .where(
                and(
                  eq(schema.monitors.modelId, modelId),
                  eq(schema.monitors.enabled, true),
                  eq(schema.monitors.scanOnNewVersion, true),
                ),
              );
            const jobs = [];
            for (const monitor of monitors) {
              const inserted = await insertJob(tx, {
                tenantId: auth.tenantId,
                kind: 'scan',
                params: { modelVersionId: version.id, datasetId: monitor.datasetId },
                idempotencyKey: `monitor:${monitor.id}:version:${version.id}`,
                monitorId: monitor.id,
              });
              await audit(tx, auth, 'job.start', `job:${inserted.job.id}`, { kind: 'scan', monitor: monitor.id });
              jobs.push(inserted);
            }
            return { version, jobs };
          });
          await enqueueAfterCommit(ctx, result.jobs);
          return { version: result.version, monitorJobs: result.jobs.map((j) => j.job) };
        },
        { monitorJobs: [] },
      ),

    registerDataset: (_p, { input }, ctx) =>
      attempt(async () => {
        const auth = ctx.requireAuth();
        requireRole(auth, 'analyst');
        const name = checkName(input.name, ['input', 'name']);
        const upload = await completedUpload(ctx, input.uploadId, 'dataset');
        const bytes = await readArtifact(ctx.services, upload.sha256, ctx.services.env.maxUploadBytes);
        let dataset: Awaited<ReturnType<typeof importDataset>>;
        try {
          dataset = await importDataset([{ name: upload.filename || 'dataset', bytes }]);
        } catch (error) {
          throw Object.assign(error as Error, { field: ['input', 'uploadId'] });
        }
        const thumbnail = await ctx.services.store.put(datasetThumbnailGrid(dataset), { contentType: 'image/png' });
        return ctx.tenant(async (tx) => {
          await recordArtifact(tx, auth.tenantId, thumbnail.sha256, thumbnail.size, 'image/png');
          const [row] = await tx
            .insert(schema.datasets)
            .values({
              tenantId: auth.tenantId,
              name,
              artifactSha256: upload.sha256,
              format: upload.filename.split('.').pop()?.toLowerCase() ?? 'archive',
              count: dataset.labels.length,
              numClasses: dataset.classNames.length,
              imageShape: [dataset.height, dataset.width, dataset.channels],
              classHistogram: classHistogram(dataset),
              thumbnailSha256: thumbnail.sha256,
              createdBy: auth.userId,
            })
            .onConflictDoNothing()
            .returning();
          if (!row) throw new ApiError('CONFLICT', `A dataset named "${name}" exists.`, ['input', 'name']);
          await audit(tx, auth, 'dataset.register', `dataset:${row.id}`, { name, sha256: upload.sha256, count: row.count });
          return { dataset: row };
        });
      }),

    startScan: (_p, { input }, ctx) =>
      attempt(async () => {
        const { versionId, datasetId } = await compatiblePair(ctx, input.modelVersionId, input.datasetId);
        return startJob(
          ctx,
          'scan',
          defined({
            modelVersionId: versionId,
            datasetId,
            threshold: input.threshold,
            candidateClasses: input.candidateClasses,
            steps: input.steps,
            referenceSteps: input.referenceSteps,
            seed: input.seed,
            triggerFamilies: input.triggerFamilies?.map((f) => f.toLowerCase()),
            ...knownAttack(input.knownAttack),
          }),
          input.idempotencyKey,
        );
      }),

    startRepair: (_p, { input }, ctx) =>
      attempt(async () => {
        const { versionId, datasetId } = await compatiblePair(ctx, input.modelVersionId, input.datasetId);
        return startJob(
          ctx,
          'repair',
          defined({
            modelVersionId: versionId,
            datasetId,
            method: input.method ? input.method.toLowerCase().replaceAll('_', '-') : undefined,
            steps: input.steps,
            cdaBudget: input.cdaBudget,
            budgetReason: input.budgetReason,
            seed: input.seed,
            ...knownAttack(input.knownAttack),
          }),
          input.idempotencyKey,
        );
      }),

    startEvaluation: (_p, { input }, ctx) =>
      attempt(async () => {
        const { versionId, datasetId } = await compatiblePair(ctx, input.modelVersionId, input.datasetId);
        return startJob(
          ctx,
          'evaluate',
          { modelVersionId: versionId, datasetId, ...knownAttack(input.knownAttack) },
          input.idempotencyKey,
        );
      }),

    startSweep: (_p, { input }, ctx) =>
      attempt(() =>
        startJob(
          ctx,
          'sweep',
          defined({
            attack: input.attack,
            poisonCounts: input.poisonCounts,
            seeds: input.seeds,
            datasetName: input.dataset,
            trainImages: input.trainImages,
            epochs: input.epochs,
            scanSteps: input.scanSteps,
            referenceSteps: input.referenceSteps,
            repairSteps: input.repairSteps,
          }),
          input.idempotencyKey,
        ),
      ),

    cancelJob: (_p, { input }, ctx) =>
      attempt(async () => {
        const auth = ctx.requireAuth();
        requireRole(auth, 'analyst');
        const jobId = need(input.jobId, 'Job', ['input', 'jobId']);
        const job = await ctx.tenant(async (tx) => {
          const row = await requestCancel(tx, auth.tenantId, jobId);
          if (row) await audit(tx, auth, 'job.cancel', `job:${jobId}`, { state: row.state });
          return row;
        });
        if (!job) throw new ApiError('NOT_FOUND', 'No job with this ID.', ['input', 'jobId']);
        if (job.state === 'cancelled') await ctx.services.queue.cancel(jobId);
        return { job };
      }),

    createApiKey: (_p, { input }, ctx) =>
      attempt(async () => {
        const auth = ctx.requireAuth();
        requireRole(auth, 'admin');
        const name = checkName(input.name, ['input', 'name']);
        const role = fromApiRole(input.role);
        if (role === 'owner') throw new ApiError('INVALID_INPUT', 'API keys cannot have the owner role.', ['input', 'role']);
        const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
        if (expiresAt && expiresAt.getTime() <= Date.now())
          throw new ApiError('INVALID_INPUT', 'expiresAt is in the past.', ['input', 'expiresAt']);
        const { secret, prefix, hash } = newApiKeySecret();
        return ctx.tenant(async (tx) => {
          const [apiKey] = await tx
            .insert(schema.apiKeys)
            .values({
              tenantId: auth.tenantId,
              name,
              prefix,
              keyHash: hash,
              role,
              scopes: input.scopes ?? [],
              expiresAt,
              createdBy: auth.userId,
            })
            .returning();
          if (!apiKey) throw new Error('api key insert returned nothing');
          await audit(tx, auth, 'apikey.create', `apikey:${apiKey.id}`, { name, role, prefix });
          return { apiKey, secret };
        });
      }),

    revokeApiKey: (_p, { input }, ctx) =>
      attempt(async () => {
        const auth = ctx.requireAuth();
        requireRole(auth, 'admin');
        const id = need(input.id, 'ApiKey', ['input', 'id']);
        return ctx.tenant(async (tx) => {
          const [apiKey] = await tx
            .update(schema.apiKeys)
            .set({ revokedAt: new Date() })
            .where(and(eq(schema.apiKeys.id, id), isNull(schema.apiKeys.revokedAt)))
            .returning();
          if (!apiKey) throw new ApiError('NOT_FOUND', 'No active API key with this ID.', ['input', 'id']);
          await audit(tx, auth, 'apikey.revoke', `apikey:${id}`, { prefix: apiKey.prefix });
          return { apiKey };
        });
      }),

    createMonitor: (_p, { input }, ctx) =>
      attempt(async () => {
        const auth = ctx.requireAuth();
        requireRole(auth, 'analyst');
        const name = checkName(input.name, ['input', 'name']);
        const modelId = need(input.modelId, 'Model', ['input', 'modelId']);
        const datasetId = need(input.datasetId, 'Dataset', ['input', 'datasetId']);
        const [model, dataset] = await Promise.all([ctx.loaders.model.load(modelId), ctx.loaders.dataset.load(datasetId)]);
        if (!model) throw new ApiError('NOT_FOUND', 'No model with this ID.', ['input', 'modelId']);
        if (!dataset) throw new ApiError('NOT_FOUND', 'No dataset with this ID.', ['input', 'datasetId']);
        const settings = monitorSettings(input);
        return ctx.tenant(async (tx) => {
          const [monitor] = await tx
            .insert(schema.monitors)
            .values({ tenantId: auth.tenantId, modelId, datasetId, name, ...settings })
            .returning();
          if (!monitor) throw new Error('monitor insert returned nothing');
          await audit(tx, auth, 'monitor.create', `monitor:${monitor.id}`, { name, webhooks: monitor.webhooks.length });
          return { monitor };
        });
      }),

    updateMonitor: (_p, { input }, ctx) =>
      attempt(async () => {
        const auth = ctx.requireAuth();
        requireRole(auth, 'analyst');
        const id = need(input.id, 'Monitor', ['input', 'id']);
        const changes = { ...monitorSettings(input), ...(input.name ? { name: checkName(input.name, ['input', 'name']) } : {}) };
        return ctx.tenant(async (tx) => {
          const [monitor] = await tx.update(schema.monitors).set(changes).where(eq(schema.monitors.id, id)).returning();
          if (!monitor) throw new ApiError('NOT_FOUND', 'No monitor with this ID.', ['input', 'id']);
          await audit(tx, auth, 'monitor.update', `monitor:${id}`, { fields: Object.keys(changes) });
          return { monitor };
        });
      }),

    deleteMonitor: (_p, { input }, ctx) =>
      attempt(async () => {
        const auth = ctx.requireAuth();
        requireRole(auth, 'analyst');
        const id = need(input.id, 'Monitor', ['input', 'id']);
        return ctx.tenant(async (tx) => {
          const [monitor] = await tx.delete(schema.monitors).where(eq(schema.monitors.id, id)).returning();
          if (!monitor) throw new ApiError('NOT_FOUND', 'No monitor with this ID.', ['input', 'id']);
          await audit(tx, auth, 'monitor.delete', `monitor:${id}`, { name: monitor.name });
          return { deletedId: input.id };
        });
      }),

    testMonitorWebhook: (_p, { input }, ctx) =>
      attempt(
        async () => {
          const auth = ctx.requireAuth();
          requireRole(auth, 'analyst');
          const id = need(input.id, 'Monitor', ['input', 'id']);
          const [monitor] = await ctx.tenant((tx) => tx.select().from(schema.monitors).where(eq(schema.monitors.id, id)));
          if (!monitor) throw new ApiError('NOT_FOUND', 'No monitor with this ID.', ['input', 'id']);
          const deliveries = await Promise.all(
            monitor.webhooks.map((hook) =>
              deliverWebhook({
                url: hook.url,
                secret: hook.secret,
                event: 'monitor.test',
                payload: { monitor: { id: input.id, name: monitor.name }, sentAt: new Date().toISOString() },
                allowPrivate: ctx.services.env.ANTIDOTE_ALLOW_PRIVATE_WEBHOOKS,
              }),
            ),
          );
          await ctx.tenant((tx) =>
            audit(tx, auth, 'monitor.test', `monitor:${id}`, { results: deliveries.map((d) => d.status) }),
          );
          return { deliveries };
        },
        { deliveries: [] },
      ),
  },
};

function monitorSettings(input: {
  enabled?: boolean | null;
  scanOnNewVersion?: boolean | null;
  intervalMinutes?: number | null;
  scoreThreshold?: number | null;
  webhooks?: { url: string; secret: string }[] | null;
}) {
  if (
    input.intervalMinutes !== null &&
    input.intervalMinutes !== undefined &&
    (input.intervalMinutes < 5 || input.intervalMinutes > 43_200)
  ) {
    throw new ApiError('INVALID_INPUT', 'intervalMinutes is between 5 and 43200 (30 days).', ['input', 'intervalMinutes']);
  }
  if (
    input.scoreThreshold !== null &&
    input.scoreThreshold !== undefined &&
    !(input.scoreThreshold > 0 && input.scoreThreshold <= 1)
  ) {
    throw new ApiError('INVALID_INPUT', 'scoreThreshold is in (0, 1].', ['input', 'scoreThreshold']);
  }
  for (const [i, hook] of (input.webhooks ?? []).entries()) {
    let url: URL | undefined;
    try {
      url = new URL(hook.url);
    } catch {}
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new ApiError('INVALID_INPUT', 'Webhook URLs are http(s) URLs.', ['input', 'webhooks', String(i), 'url']);
    }
    if (hook.secret.length < 16)
      throw new ApiError('INVALID_INPUT', 'Webhook secrets are at least 16 characters.', [
        'input',
        'webhooks',
        String(i),
        'secret',
      ]);
  }
  return defined({
    enabled: input.enabled,
    scanOnNewVersion: input.scanOnNewVersion,
    intervalMinutes: input.intervalMinutes,
    scoreThreshold: input.scoreThreshold,
    webhooks: input.webhooks ?? undefined,
    nextRunAt: input.intervalMinutes ? new Date(Date.now() + input.intervalMinutes * 60_000) : undefined,
  });
}
