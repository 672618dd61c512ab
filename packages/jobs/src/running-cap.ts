/**
 * Per-tenant cap on running jobs. The queue's priorities (queue.ts) make every tenant's first job
 * come before anyone's second, but once a tenant's jobs hold every worker slot they keep them
 * until they finish. The cap is checked where a worker takes a job: a tenant already at its plan's
 * number of running jobs gets the job handed back to the queue (JobQueue.defer) and the worker
 * takes the next one, however many workers and processes there are.
 */
import { type Database, schema, type Tx } from '@antidote/db';
import { and, count, eq, ne, sql } from 'drizzle-orm';
import { claimJob, type Job } from './lifecycle.ts';
import type { DeliveredJob, JobQueue } from './queue.ts';

export type Plan = 'free' | 'standard' | 'enterprise';

/** Jobs one tenant may have running at once, per plan (the gateway shows them with its quotas). */
export const MAX_RUNNING_JOBS: Record<Plan, number> = { free: 1, standard: 4, enterprise: 16 };

export function maxRunningJobs(plan: string | null | undefined): number {
  return MAX_RUNNING_JOBS[(plan ?? 'standard') as Plan] ?? MAX_RUNNING_JOBS.standard;
}

export type Claim = { job: Job } | { deferred: { running: number; cap: number } } | null;

/**
 * claimJob, unless the tenant is at its running cap (then nothing changes and `deferred` says
 * why). Runs in the tenant's transaction; null as for claimJob (finished or cancelled: skip).
 */
export async function claimJobWithinCap(
  tx: Tx,
  tenantId: string,
  jobId: string,
  attempt: number,
  workerId?: string,
): Promise<Claim> {
  // one claim per tenant at a time across every worker, so two cannot both take the last slot;
  // the count below runs after the lock, so it sees the previous claimer's committed row
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`running:${tenantId}`}, 0))`);
  const [tenant] = await tx.select({ plan: schema.tenants.plan }).from(schema.tenants).where(eq(schema.tenants.id, tenantId));
  const cap = maxRunningJobs(tenant?.plan);
  // a retry of a job whose worker died is still 'running': it must not count against itself
  const [row] = await tx
    .select({ n: count() })
    .from(schema.jobs)
    .where(and(eq(schema.jobs.state, 'running'), ne(schema.jobs.id, jobId)));
  const running = row?.n ?? 0;
  if (running >= cap) return { deferred: { running, cap } };
  const job = await claimJob(tx, tenantId, jobId, attempt, workerId);
  return job ? { job } : null;
}

/**
 * What a worker does with a delivered message: claim the job within its tenant's cap, or hand
 * the message back to the queue (null: nothing to run now). After the job stops running, the
 * worker calls `queue.wake(tenantId)`.
 */
export async function takeDeliveredJob(
  database: Database,
  queue: JobQueue,
  delivered: DeliveredJob,
  workerId?: string,
): Promise<{ job: Job } | { deferred: { running: number; cap: number } } | null> {
  const { tenantId, jobId, attempt } = delivered;
  const claim = await database.withTenant(tenantId, (tx) => claimJobWithinCap(tx, tenantId, jobId, attempt, workerId));
  if (claim && 'deferred' in claim) await queue.defer(jobId);
  return claim;
}
