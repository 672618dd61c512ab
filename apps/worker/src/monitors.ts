/**
 * Continuous monitoring, the scheduled half: monitors with an interval re-scan their model's
 * latest version when due. Rows are claimed with SKIP LOCKED, so several workers can run this
 * loop without double-starting a scan; the idempotency key makes a repeat harmless anyway.
 */
import type { Database } from '@antidote/db';
import { schema } from '@antidote/db';
import { appendJobEvent, finishJob, insertJob, JOB_CATALOG, type Job, type JobQueue, requeueJob } from '@antidote/jobs';
import { and, desc, eq, isNotNull, lte, sql } from 'drizzle-orm';
import type { Logger } from 'pino';

export async function runDueMonitors(database: Database, queue: JobQueue): Promise<Job[]> {
  const started = await database.asService(async (tx) => {
    const due = await tx
      .select()
      .from(schema.monitors)
      .where(
        and(
          eq(schema.monitors.enabled, true),
          isNotNull(schema.monitors.intervalMinutes),
          lte(schema.monitors.nextRunAt, sql`now()`),
        ),
      )
      .limit(50)
      .for('update', { skipLocked: true });
    const jobs: Job[] = [];
    for (const monitor of due) {
      const [latest] = await tx
        .select({ id: schema.modelVersions.id })
        .from(schema.modelVersions)
        .where(eq(schema.modelVersions.modelId, monitor.modelId))
        .orderBy(desc(schema.modelVersions.version))
        .limit(1);
      await tx
        .update(schema.monitors)
        .set({ lastRunAt: sql`now()`, nextRunAt: sql`now() + make_interval(mins => ${monitor.intervalMinutes ?? 60})` })
        .where(eq(schema.monitors.id, monitor.id));
      if (!latest) continue;
      const { job, created } = await insertJob(tx, {
        tenantId: monitor.tenantId,
        kind: 'scan',
        params: { modelVersionId: latest.id, datasetId: monitor.datasetId },
        idempotencyKey: `monitor:${monitor.id}:at:${monitor.nextRunAt?.toISOString() ?? 'now'}`,
        monitorId: monitor.id,
      });
      if (created) jobs.push(job);
    }
    return jobs;
  });
  for (const job of started) await queue.enqueue(job);
  return started;
}

/**
 * Jobs whose worker stopped heartbeating (killed, machine lost) are failed in the queue so
 * pg-boss hands them to a live worker, which resumes from the last checkpoint. pg-boss 10 has no
 * heartbeat of its own; its expiry (hours for a repair) stays as the backstop.
 */
export async function reapLostJobs(database: Database, queue: JobQueue, staleAfterMs: number): Promise<number> {
  const lost = await database.asService((tx) =>
    tx
      .select({ id: schema.jobs.id, tenantId: schema.jobs.tenantId, kind: schema.jobs.kind, attempts: schema.jobs.attempts })
      .from(schema.jobs)
      .where(
        and(
          eq(schema.jobs.state, 'running'),
          sql`not exists (select 1 from workers w where w.id = ${schema.jobs.workerId} and w.last_seen_at > now() - make_interval(secs => ${staleAfterMs / 1000}))`,
        ),
      )
      .limit(100),
  );
  for (const job of lost) {
    const error = { code: 'WORKER_LOST', message: 'the worker running this job stopped responding' };
    const exhausted = job.attempts > JOB_CATALOG[job.kind].policy.retryLimit;
    await database.withTenant(job.tenantId, async (tx) => {
      await appendJobEvent(tx, job.tenantId, job.id, { type: 'log', message: error.message });
      if (exhausted) await finishJob(tx, job.tenantId, job.id, { state: 'failed', error });
      else await requeueJob(tx, job.tenantId, job.id, error);
    });
    await queue.failAttempt(job.id, error.message).catch(() => {});
  }
  return lost.length;
}

export function startMonitorScheduler(deps: {
  database: Database;
  queue: JobQueue;
  log: Logger;
  intervalMs?: number;
  staleAfterMs?: number;
}) {
  const tick = async () => {
    try {
      const jobs = await runDueMonitors(deps.database, deps.queue);
      if (jobs.length > 0) deps.log.info({ jobs: jobs.length }, 'scheduled monitor scans');
      const reaped = await reapLostJobs(deps.database, deps.queue, deps.staleAfterMs ?? 60_000);
      if (reaped > 0) deps.log.warn({ jobs: reaped }, 'jobs of lost workers sent back to the queue');
      await deps.queue.reconcile();
    } catch (error) {
      deps.log.warn({ err: error }, 'monitor tick failed');
    }
  };
  const timer = setInterval(() => void tick(), deps.intervalMs ?? 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer), tick };
}
