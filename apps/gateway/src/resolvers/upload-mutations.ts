/** Uploads and what is registered from them: models, model versions, datasets. */
import { insertModelVersion, recordArtifact, schema, type Tx } from '@antidote/db';
import { insertJob } from '@antidote/jobs';
import { signToken } from '@antidote/storage';
import { and, eq, isNotNull } from 'drizzle-orm';
import { readArtifact } from '../artifacts.ts';
import { requireRole } from '../auth.ts';
import type { GraphQLContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { toGlobalId } from '../ids.ts';
import { inspectDatasetArchive, inspectModelArchive } from '../inspection/index.ts';
import { assertStorageQuota } from '../quotas.ts';
import { attempt, audit, checkName, enqueueAfterCommit, need } from './mutation-support.ts';

const UPLOAD_TTL_MS = 60 * 60_000;

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

/**
 * An upload is registered once: its row goes in the transaction that records what was made of
 * it, so a replay (or a concurrent twin) finds nothing and that transaction rolls back.
 */
async function consumeUpload(tx: Tx, uploadId: string): Promise<void> {
  const [consumed] = await tx
    .delete(schema.uploads)
    .where(and(eq(schema.uploads.id, uploadId), isNotNull(schema.uploads.completedAt)))
    .returning({ id: schema.uploads.id });
  if (!consumed)
    throw new ApiError('CONFLICT', 'This upload was registered already; upload the file again.', ['input', 'uploadId']);
}

/** Validation off the event loop (model.json + manifest only, no TensorFlow). */
async function describeUploadedModel(ctx: GraphQLContext, sha256: string) {
  const bytes = await readArtifact(ctx.services, sha256, ctx.services.env.maxUploadBytes);
  try {
    return await inspectModelArchive(bytes, ctx.services.env.inspection);
  } catch (error) {
    throw Object.assign(error as Error, { field: ['input', 'uploadId'] });
  }
}

/** Preprocessing stated at upload, kept for the worker's import (which validates it like antidote.json). */
function declaredPreprocessing(value: unknown, format: string): { declaredPreprocessing?: Record<string, unknown> } {
  if (value === undefined || value === null) return {};
  if (format === 'tfjs-layers') {
    throw new ApiError('INVALID_INPUT', 'preprocessing applies to ONNX and Keras models; a TF.js model carries its own.', [
      'input',
      'preprocessing',
    ]);
  }
  if (typeof value !== 'object' || Array.isArray(value) || JSON.stringify(value).length > 4096) {
    throw new ApiError('INVALID_INPUT', 'preprocessing must be an object with the fields of antidote.json.', [
      'input',
      'preprocessing',
    ]);
  }
  return { declaredPreprocessing: value as Record<string, unknown> };
}

export const uploadMutations: Resolvers = {
  Mutation: {
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
        const [upload] = await ctx.tenant(async (tx) => {
          await assertStorageQuota(tx, input.sizeBytes);
          return tx
            .insert(schema.uploads)
            .values({
              tenantId: auth.tenantId,
              purpose: input.purpose.toLowerCase(),
              filename,
              maxBytes: input.sizeBytes,
              expiresAt,
            })
            .returning();
        });
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
          await consumeUpload(tx, upload.id);
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
            metadata: {
              files: described.files,
              weightBytes: described.weightBytes,
              filename: upload.filename,
              ...declaredPreprocessing(input.preprocessing, described.format),
            },
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
            await consumeUpload(tx, upload.id);
            const version = await insertModelVersion(tx, {
              tenantId: auth.tenantId,
              modelId,
              artifactSha256: upload.sha256,
              format: described.format,
              inputShape: described.inputShape,
              numClasses: described.numClasses,
              paramCount: described.paramCount,
              metadata: {
                files: described.files,
                weightBytes: described.weightBytes,
                filename: upload.filename,
                ...declaredPreprocessing(input.preprocessing, described.format),
              },
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
        let dataset: Awaited<ReturnType<typeof inspectDatasetArchive>>;
        try {
          dataset = await inspectDatasetArchive(bytes, upload.filename, ctx.services.env.inspection);
        } catch (error) {
          throw Object.assign(error as Error, { field: ['input', 'uploadId'] });
        }
        const thumbnail = await ctx.services.store.put(dataset.thumbnailPng, { contentType: 'image/png' });
        return ctx.tenant(async (tx) => {
          await consumeUpload(tx, upload.id);
          await recordArtifact(tx, auth.tenantId, thumbnail.sha256, thumbnail.size, 'image/png');
          const [row] = await tx
            .insert(schema.datasets)
            .values({
              tenantId: auth.tenantId,
              name,
              artifactSha256: upload.sha256,
              format: upload.filename.split('.').pop()?.toLowerCase() ?? 'archive',
              count: dataset.count,
              numClasses: dataset.numClasses,
              labelled: dataset.labelled ? 1 : 0,
              imageShape: dataset.imageShape,
              classHistogram: dataset.classHistogram,
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
  },
};
