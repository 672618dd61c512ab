/**
 * A worker process: pulls analysis jobs from the shared queue, runs them on the best tfjs
 * backend here, turns progress into stored events, writes findings, artifacts and repaired
 * versions, and stops a job when its user cancels it. Any number run against one database.
 */
import { availableParallelism, hostname, totalmem } from 'node:os';
import { INPUT_ERROR_CODES, isAntidoteError } from '@antidote/core/errors';
import { BACKEND_PREFERENCE, type BackendChoice, initRuntime } from '@antidote/core/runtime';
import { appendAudit, type Database, schema } from '@antidote/db';
import {
  appendJobEvent,
  CONTROL_CHANNEL,
  type DeliveredJob,
  finishJob,
  type Job,
  type JobEventInput,
  type JobQueue,
  requeueJob,
  takeDeliveredJob,
} from '@antidote/jobs';
import type { ArtifactStore } from '@antidote/storage';
import { eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { runAnalysisJob } from './handlers.ts';
import { startMonitorScheduler } from './monitors.ts';
import { jobMemoryShare } from './tasks/common.ts';

export interface WorkerOptions {
  database: Database;
  store: ArtifactStore;
  queue: JobQueue;
  log: Logger;
  workerId: string;
  concurrency: number;
  /** Compute threads per job (CTI's classes run across them); default 1. */
  threadsPerJob?: number;
  backend?: string | undefined;
  allowPrivateWebhooks: boolean;
  /** Run the monitor scheduler here (default true; one per deployment is enough, more are safe). */
  scheduleMonitors?: boolean;
  /** Minimum milliseconds between stored progress events of one job. */
  progressIntervalMs?: number;
  /** Heartbeat period; a worker silent for staleAfterMs loses its running jobs to a retry. */
  heartbeatMs?: number;
  staleAfterMs?: number;
  /** Period of the maintenance tick (due monitors, lost jobs, unsent jobs). */
  maintenanceIntervalMs?: number;
}

export interface RunningWorker {
  backend: string;
  stop(): Promise<void>;
}

export interface JobContext {
  job: Job;
  attempt: number;
  signal: AbortSignal;
  options: WorkerOptions;
  /** Stores an event (progress events are throttled; others always go through). */
  emit(event: JobEventInput): Promise<void>;
  audit(action: string, target: string, details?: Record<string, unknown>): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { database, queue, log } = options;
  const requested = options.backend as BackendChoice | undefined;
  if (requested && !BACKEND_PREFERENCE.includes(requested)) {
    throw new Error(`ANTIDOTE_BACKEND must be one of ${BACKEND_PREFERENCE.join(', ')}; got ${requested}`);
  }
  const runtime = await initRuntime(requested ? { backend: requested } : {});
  log.info({ backend: runtime.backend, simd: runtime.simd, skipped: runtime.skipped }, 'tfjs backend ready');

  const running = new Map<string, AbortController>();
  const unlisten = await database.listen(CONTROL_CHANNEL, (payload) => {
    try {
      const message = JSON.parse(payload) as { action?: string; jobId?: string };
      if (message.action === 'cancel' && message.jobId) running.get(message.jobId)?.abort(new Error('cancelled by request'));
    } catch {}
  });

  const capabilities = {
    simd: runtime.simd,
    tfjs: runtime.tfjsVersion,
    patchedKernels: runtime.patchedKernels.length,
    threadsPerJob: options.threadsPerJob ?? 1,
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    // what each job's scan or repair fits its batches to (the wasm heap caps it further)
    jobMemoryBytes: jobMemoryShare(options.concurrency),
  };
  const heartbeat = async () => {
    await database
      .asService((tx) =>
        tx
          .insert(schema.workers)
          .values({
            id: options.workerId,
            hostname: hostname(),
            backend: runtime.backend,
            concurrency: options.concurrency,
            capabilities,
          })
          .onConflictDoUpdate({
            target: schema.workers.id,
            set: { lastSeenAt: sql`now()`, backend: runtime.backend, concurrency: options.concurrency, capabilities },
          }),
      )
      .catch((error: unknown) => log.warn({ err: error }, 'heartbeat failed'));
  };
  await heartbeat();
  const heartbeatTimer = setInterval(() => void heartbeat(), options.heartbeatMs ?? 15_000);
  heartbeatTimer.unref();
  const scheduler =
    options.scheduleMonitors === false
      ? null
      : startMonitorScheduler({
          database,
          queue,
          log,
          ...(options.maintenanceIntervalMs ? { intervalMs: options.maintenanceIntervalMs } : {}),
          ...(options.staleAfterMs ? { staleAfterMs: options.staleAfterMs } : {}),
        });

  await queue.work(options.concurrency, async (delivered) => {
    await handleDelivery(options, delivered, running);
  });
  log.info({ workerId: options.workerId, concurrency: options.concurrency }, 'worker started');

  return {
    backend: runtime.backend,
    async stop() {
      clearInterval(heartbeatTimer);
      scheduler?.stop();
      // let running jobs notice: they checkpoint and get retried elsewhere
      for (const controller of running.values()) controller.abort(new Error('worker shutting down'));
      await queue.stop(10_000);
      await unlisten();
      await database.asService((tx) => tx.delete(schema.workers).where(eq(schema.workers.id, options.workerId))).catch(() => {});
    },
  };
}

async function handleDelivery(
  options: WorkerOptions,
  delivered: DeliveredJob,
  running: Map<string, AbortController>,
): Promise<void> {
  const { database, log, queue } = options;
  const { tenantId, jobId, attempt } = delivered;
  const claim = await takeDeliveredJob(database, queue, delivered, options.workerId);
  if (!claim) return;
  if ('deferred' in claim) {
    // the tenant has its plan's number of jobs running: this slot goes to the next message
    log.debug({ jobId, tenantId, ...claim.deferred }, 'tenant at its running-job cap; job deferred');
    return;
  }
  const { job } = claim;
  const controller = new AbortController();
  running.set(jobId, controller);
  const interval = options.progressIntervalMs ?? 400;
  let lastProgressAt = 0;
  let lastPhase: string | undefined;
  const emit = async (event: JobEventInput) => {
    const now = Date.now();
    const phaseChanged = event.phase !== undefined && event.phase !== lastPhase;
    if (event.type === 'progress' && !phaseChanged && now - lastProgressAt < interval) return;
    lastProgressAt = now;
    lastPhase = event.phase ?? lastPhase;
    const cancelRequested = await database.withTenant(tenantId, async (tx) => {
      await appendJobEvent(tx, tenantId, jobId, event);
      const [row] = await tx.select({ at: schema.jobs.cancelRequestedAt }).from(schema.jobs).where(eq(schema.jobs.id, jobId));
      return Boolean(row?.at);
    });
    // the NOTIFY may have been missed (listener reconnecting): the stored flag is the truth
    if (cancelRequested) controller.abort(new Error('cancelled by request'));
  };
  const context: JobContext = {
    job,
    attempt,
    signal: controller.signal,
    options,
    emit,
    audit: (action, target, details = {}) =>
      database.withTenant(tenantId, async (tx) => {
        await appendAudit(tx, { tenantId, actor: `system:worker:${options.workerId}`, action, target, details });
      }),
  };
  const started = Date.now();
  try {
    const outcome = await runAnalysisJob(context);
    await database.withTenant(tenantId, (tx) =>
      finishJob(tx, tenantId, jobId, {
        state: 'succeeded',
        message: outcome.message,
        metrics: { ...outcome.metrics, seconds: (Date.now() - started) / 1000 },
      }),
    );
    log.info({ jobId, kind: job.kind, seconds: (Date.now() - started) / 1000 }, 'job succeeded');
  } catch (error) {
    const cancelledByUser = controller.signal.aborted && String(controller.signal.reason?.message ?? '').includes('by request');
    if (cancelledByUser) {
      await database.withTenant(tenantId, (tx) => finishJob(tx, tenantId, jobId, { state: 'cancelled' }));
      log.info({ jobId }, 'job cancelled');
      return;
    }
    const code = isAntidoteError(error) ? error.code : 'INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    // the user's bytes or parameters are wrong: retrying cannot fix that
    if ((isAntidoteError(error) && INPUT_ERROR_CODES.has(error.code)) || attempt > delivered.retryLimit) {
      await database.withTenant(tenantId, (tx) => finishJob(tx, tenantId, jobId, { state: 'failed', error: { code, message } }));
      log.warn({ jobId, code, message }, 'job failed');
      return;
    }
    await database.withTenant(tenantId, (tx) => requeueJob(tx, tenantId, jobId, { code, message }));
    log.warn({ jobId, code, message, attempt }, 'job attempt failed; retrying');
    throw error;
  } finally {
    running.delete(jobId);
    // a slot of this tenant is free: its deferred jobs need not wait out their delay
    await queue.wake(tenantId).catch((error: unknown) => log.warn({ err: error }, 'waking deferred jobs failed'));
  }
}
