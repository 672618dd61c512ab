/** Starting and cancelling jobs: scans, repairs, evaluations, sweeps. */
import { DEFAULT_CDA_BUDGET, insertJob, type JobKind, requestCancel } from '@antidote/jobs';
import { requireRole } from '../auth.ts';
import type { GraphQLContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { KnownAttackInput, Resolvers } from '../generated/resolvers.ts';
import { assertJobQuota, assertSweepQuota } from '../quotas.ts';
import { attempt, audit, defined, enqueueAfterCommit, need } from './mutation-support.ts';

function knownAttack(input: KnownAttackInput | null | undefined) {
  return input ? { knownAttack: { name: input.name, targetClass: input.targetClass } } : {};
}

/**
 * The model version and dataset must exist for this tenant and fit each other. `needsLabels`
 * names the work when it cannot run on images without labels (the suspect labels them otherwise).
 */
async function compatiblePair(ctx: GraphQLContext, versionGlobalId: string, datasetGlobalId: string, needsLabels?: string) {
  const versionId = need(versionGlobalId, 'ModelVersion', ['input', 'modelVersionId']);
  const datasetId = need(datasetGlobalId, 'Dataset', ['input', 'datasetId']);
  const [version, dataset] = await Promise.all([ctx.loaders.modelVersion.load(versionId), ctx.loaders.dataset.load(datasetId)]);
  if (!version) throw new ApiError('NOT_FOUND', 'No model version with this ID.', ['input', 'modelVersionId']);
  if (!dataset) throw new ApiError('NOT_FOUND', 'No dataset with this ID.', ['input', 'datasetId']);
  if (!dataset.labelled && needsLabels) {
    throw new ApiError(
      'INVALID_INPUT',
      `The dataset has no labels, and ${needsLabels} needs them; register a labelled copy (class folders, or images + labels).`,
      ['input', 'datasetId'],
    );
  }
  if (dataset.labelled && version.numClasses !== dataset.numClasses) {
    throw new ApiError(
      'CLASS_MISMATCH',
      `The model has ${version.numClasses} classes but the dataset has ${dataset.numClasses}.`,
      ['input', 'datasetId'],
    );
  }
  // imported (ONNX/Keras) models state their input size: the worker resizes datasets to it
  const imported = version.format !== 'tfjs-layers';
  const fits = imported
    ? version.inputShape[2] === dataset.imageShape[2]
    : version.inputShape.join('x') === dataset.imageShape.join('x');
  if (!fits) {
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
    await assertJobQuota(tx);
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

export const jobMutations: Resolvers = {
  Mutation: {
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
            fidelityOverrideReason: input.fidelityOverrideReason,
            falsePositiveRate: input.falsePositiveRate,
            reference: input.reference
              ? defined({
                  family: input.reference.family,
                  settings: input.reference.settings,
                  cleanScores: input.reference.cleanScores,
                  source: input.reference.source,
                })
              : undefined,
            ...knownAttack(input.knownAttack),
          }),
          input.idempotencyKey,
        );
      }),

    startRepair: (_p, { input }, ctx) =>
      attempt(async () => {
        const method = input.method ? input.method.toLowerCase().replaceAll('_', '-') : undefined;
        const { versionId, datasetId } = await compatiblePair(
          ctx,
          input.modelVersionId,
          input.datasetId,
          method && method !== 'pivotal-tuning' ? `a ${method} repair` : undefined,
        );
        return startJob(
          ctx,
          'repair',
          defined({
            modelVersionId: versionId,
            datasetId,
            method,
            steps: input.steps,
            cdaBudget: input.cdaBudget,
            budgetReason: input.budgetReason,
            seed: input.seed,
            fidelityOverrideReason: input.fidelityOverrideReason,
            ...knownAttack(input.knownAttack),
          }),
          input.idempotencyKey,
        );
      }),

    startEvaluation: (_p, { input }, ctx) =>
      attempt(async () => {
        const { versionId, datasetId } = await compatiblePair(ctx, input.modelVersionId, input.datasetId, 'an evaluation');
        return startJob(
          ctx,
          'evaluate',
          defined({
            modelVersionId: versionId,
            datasetId,
            fidelityOverrideReason: input.fidelityOverrideReason,
            ...knownAttack(input.knownAttack),
          }),
          input.idempotencyKey,
        );
      }),

    startSweep: (_p, { input }, ctx) =>
      attempt(async () => {
        await ctx.tenant((tx) => assertSweepQuota(tx, input));
        return startJob(
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
        );
      }),

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
  },
};
