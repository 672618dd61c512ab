/**
 * The job state machine, kept in the jobs table (the source of truth; pg-boss only carries a
 * pointer): queued -> running -> succeeded | failed | cancelled, running -> queued on a retry.
 * Every transition appends its event in the same transaction.
 */

import { isDeepStrictEqual } from 'node:util';
import { schema, type Tx } from '@antidote/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { type JobKind, type JobParamsInput, parseJobParams } from './catalog.ts';
import { appendJobEvent } from './events.ts';

export type Job = typeof schema.jobs.$inferSelect;
export const CONTROL_CHANNEL = 'antidote_job_control';

export class IdempotencyConflictError extends Error {
  readonly existingJobId: string;
  constructor(existingJobId: string) {
    super('This idempotency key was already used with different parameters.');
    this.name = 'IdempotencyConflictError';
    this.existingJobId = existingJobId;
  }
}

export interface NewJob<K extends JobKind> {
  tenantId: string;
  kind: K;
  params: JobParamsInput<K>;
  idempotencyKey?: string | null;
  createdBy?: string | null;
  monitorId?: string | null;
}

/**
 * Inserts the job (or returns the one already started with this idempotency key: a CI pipeline
 * retrying a request must not start a second repair). Same key, other parameters: an error.
 */
export async function insertJob<K extends JobKind>(tx: Tx, input: NewJob<K>): Promise<{ job: Job; created: boolean }> {
  const params = parseJobParams(input.kind, input.params) as Record<string, unknown>;
  const [created] = await tx
    .insert(schema.jobs)
    .values({
      tenantId: input.tenantId,
      kind: input.kind,
      params,
      idempotencyKey: input.idempotencyKey ?? null,
      modelVersionId: typeof params.modelVersionId === 'string' ? params.modelVersionId : null,
      datasetId: typeof params.datasetId === 'string' ? params.datasetId : null,
      createdBy: input.createdBy ?? null,
      monitorId: input.monitorId ?? null,
    })
    .onConflictDoNothing({ target: [schema.jobs.tenantId, schema.jobs.idempotencyKey] })
    .returning();
  if (created) {
    await appendJobEvent(tx, input.tenantId, created.id, { type: 'queued', phase: 'queued', progress: 0 });
    return { job: created, created: true };
  }
  const [existing] = await tx
    .select()
    .from(schema.jobs)
    .where(and(eq(schema.jobs.tenantId, input.tenantId), eq(schema.jobs.idempotencyKey, input.idempotencyKey ?? '')));
  if (!existing) throw new Error('idempotent insert found neither a new nor an existing job');
  if (existing.kind !== input.kind || !isDeepStrictEqual(existing.params, params))
    throw new IdempotencyConflictError(existing.id);
  return { job: existing, created: false };
}

/** Takes the job for an attempt; null when it is already finished or cancelled (skip it). */
export async function claimJob(tx: Tx, tenantId: string, jobId: string, attempt: number, workerId?: string): Promise<Job | null> {
  const [job] = await tx
    .update(schema.jobs)
    .set({
      state: 'running',
      attempts: sql`${schema.jobs.attempts} + 1`,
      startedAt: sql`coalesce(${schema.jobs.startedAt}, now())`,
      workerId: workerId ?? null,
    })
    .where(and(eq(schema.jobs.id, jobId), inArray(schema.jobs.state, ['queued', 'running'])))
    .returning();
  if (!job) return null;
  if (job.cancelRequestedAt) {
    await finishJob(tx, tenantId, jobId, { state: 'cancelled' });
    return null;
  }
  await appendJobEvent(tx, tenantId, jobId, {
    type: 'started',
    phase: 'starting',
    message: attempt > 1 ? `attempt ${attempt}${job.checkpoint ? ', resuming from checkpoint' : ''}` : 'attempt 1',
  });
  return job;
}

export type JobOutcome =
  | { state: 'succeeded'; message?: string; metrics?: Record<string, number> }
  | { state: 'failed'; error: { code: string; message: string } }
  | { state: 'cancelled' };

export async function finishJob(tx: Tx, tenantId: string, jobId: string, outcome: JobOutcome): Promise<void> {
  await tx
    .update(schema.jobs)
    .set({
      state: outcome.state,
      finishedAt: sql`now()`,
      error: outcome.state === 'failed' ? outcome.error : null,
      ...(outcome.state === 'succeeded' ? { progress: 1, phase: 'done' } : {}),
    })
    .where(eq(schema.jobs.id, jobId));
  if (outcome.state === 'succeeded') {
    await appendJobEvent(tx, tenantId, jobId, {
      type: 'succeeded',
      phase: 'done',
      progress: 1,
      ...(outcome.message ? { message: outcome.message } : {}),
      ...(outcome.metrics ? { metrics: outcome.metrics } : {}),
    });
  } else if (outcome.state === 'failed') {
    await appendJobEvent(tx, tenantId, jobId, { type: 'failed', message: `${outcome.error.code}: ${outcome.error.message}` });
  } else {
    await appendJobEvent(tx, tenantId, jobId, { type: 'cancelled', message: 'cancelled by request' });
  }
}

/** A retryable failure: back to queued; pg-boss delivers the next attempt after its delay. */
export async function requeueJob(
  tx: Tx,
  tenantId: string,
  jobId: string,
  error: { code: string; message: string },
): Promise<void> {
  await tx.update(schema.jobs).set({ state: 'queued', error }).where(eq(schema.jobs.id, jobId));
  await appendJobEvent(tx, tenantId, jobId, { type: 'retrying', message: `${error.code}: ${error.message}` });
}

export async function saveJobCheckpoint(
  tx: Tx,
  tenantId: string,
  jobId: string,
  checkpoint: Record<string, unknown>,
  event: { step?: number; totalSteps?: number; progress?: number },
): Promise<void> {
  await tx.update(schema.jobs).set({ checkpoint }).where(eq(schema.jobs.id, jobId));
  await appendJobEvent(tx, tenantId, jobId, { type: 'checkpoint', ...event });
}

/**
 * Cancels a queued job at once; asks the worker running it to stop (NOTIFY on commit). Returns
 * the job as it stands, or null when it does not exist for this tenant.
 */
export async function requestCancel(tx: Tx, tenantId: string, jobId: string): Promise<Job | null> {
  const [job] = await tx
    .update(schema.jobs)
    .set({ cancelRequestedAt: sql`coalesce(${schema.jobs.cancelRequestedAt}, now())` })
    .where(eq(schema.jobs.id, jobId))
    .returning();
  if (!job) return null;
  if (job.state === 'queued') {
    await finishJob(tx, tenantId, jobId, { state: 'cancelled' });
    return { ...job, state: 'cancelled' };
  }
  if (job.state === 'running') {
    await tx.execute(sql`select pg_notify(${CONTROL_CHANNEL}, ${JSON.stringify({ action: 'cancel', jobId, tenantId })})`);
  }
  return job;
}
