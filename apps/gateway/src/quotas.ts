/**
 * Per-plan quotas: what one tenant may hold of the shared service at a time. Checked where the
 * work is requested (a refused request never reaches the queue) and shown to the tenant.
 */
import { schema, type Tx } from '@antidote/db';
import { MAX_RUNNING_JOBS } from '@antidote/jobs';
import { count, inArray, sql, sum } from 'drizzle-orm';
import { ApiError } from './errors.ts';

export type Plan = 'free' | 'standard' | 'enterprise';

export interface PlanQuota {
  /** Jobs queued or running at once. */
  maxQueuedJobs: number;
  /** Jobs running at once (enforced by the workers: packages/jobs/src/running-cap.ts). */
  maxRunningJobs: number;
  /** Models one sweep trains: poison counts x seeds. */
  maxSweepModels: number;
  maxSweepEpochs: number;
  maxMonitors: number;
  minMonitorIntervalMinutes: number;
  /** Bytes of stored artifacts (uploads, thumbnails, results). */
  storageBytes: number;
}

const MiB = 1024 * 1024;

export const PLANS: Record<Plan, PlanQuota> = {
  free: {
    maxQueuedJobs: 10,
    maxRunningJobs: MAX_RUNNING_JOBS.free,
    maxSweepModels: 10,
    maxSweepEpochs: 5,
    maxMonitors: 3,
    minMonitorIntervalMinutes: 60,
    storageBytes: 100 * MiB,
  },
  standard: {
    maxQueuedJobs: 100,
    maxRunningJobs: MAX_RUNNING_JOBS.standard,
    maxSweepModels: 40,
    maxSweepEpochs: 20,
    maxMonitors: 50,
    minMonitorIntervalMinutes: 15,
    storageBytes: 20 * 1024 * MiB,
  },
  enterprise: {
    maxQueuedJobs: 1000,
    maxRunningJobs: MAX_RUNNING_JOBS.enterprise,
    maxSweepModels: 100,
    maxSweepEpochs: 50,
    maxMonitors: 500,
    minMonitorIntervalMinutes: 5,
    storageBytes: 1024 * 1024 * MiB,
  },
};

const exceeded = (message: string, field?: string[]) => new ApiError('QUOTA_EXCEEDED', message, field);

/** The tenant's plan and quota (inside its tenant transaction). */
export async function quotaOf(tx: Tx): Promise<{ plan: Plan; quota: PlanQuota }> {
  const [tenant] = await tx.select({ plan: schema.tenants.plan }).from(schema.tenants);
  const plan = (tenant?.plan && tenant.plan in PLANS ? tenant.plan : 'standard') as Plan;
  return { plan, quota: PLANS[plan] };
}

export async function usageOf(tx: Tx) {
  const [jobs] = await tx
    .select({ n: count(), running: sql<number>`(count(*) filter (where ${schema.jobs.state} = 'running'))::int` })
    .from(schema.jobs)
    .where(inArray(schema.jobs.state, ['queued', 'running']));
  const [monitors] = await tx.select({ n: count() }).from(schema.monitors);
  const [storage] = await tx.select({ bytes: sum(schema.artifacts.size) }).from(schema.artifacts);
  return {
    queuedJobs: jobs?.n ?? 0,
    runningJobs: jobs?.running ?? 0,
    monitors: monitors?.n ?? 0,
    usedStorageBytes: Number(storage?.bytes ?? 0),
  };
}

export async function assertJobQuota(tx: Tx): Promise<void> {
  const { plan, quota } = await quotaOf(tx);
  const { queuedJobs } = await usageOf(tx);
  if (queuedJobs >= quota.maxQueuedJobs) {
    throw exceeded(`Your ${plan} plan runs at most ${quota.maxQueuedJobs} jobs at once; wait for some to finish or cancel them.`);
  }
}

export async function assertSweepQuota(tx: Tx, sweep: { poisonCounts: number[]; seeds?: number | null; epochs?: number | null }) {
  const { plan, quota } = await quotaOf(tx);
  const models = sweep.poisonCounts.length * (sweep.seeds ?? 1);
  if (models > quota.maxSweepModels)
    throw exceeded(`Your ${plan} plan trains at most ${quota.maxSweepModels} models per sweep (this one: ${models}).`, [
      'input',
      'poisonCounts',
    ]);
  if ((sweep.epochs ?? 0) > quota.maxSweepEpochs)
    throw exceeded(`Your ${plan} plan trains at most ${quota.maxSweepEpochs} epochs per sweep model.`, ['input', 'epochs']);
}

export async function assertMonitorQuota(tx: Tx, change: { creating: boolean; intervalMinutes?: number | null }) {
  const { plan, quota } = await quotaOf(tx);
  if (change.intervalMinutes && change.intervalMinutes < quota.minMonitorIntervalMinutes) {
    throw exceeded(`Your ${plan} plan re-scans at most every ${quota.minMonitorIntervalMinutes} minutes.`, [
      'input',
      'intervalMinutes',
    ]);
  }
  if (change.creating && (await usageOf(tx)).monitors >= quota.maxMonitors)
    throw exceeded(`Your ${plan} plan has at most ${quota.maxMonitors} monitors.`);
}

export async function assertStorageQuota(tx: Tx, addBytes: number): Promise<void> {
  const { plan, quota } = await quotaOf(tx);
  const { usedStorageBytes } = await usageOf(tx);
  if (usedStorageBytes + addBytes > quota.storageBytes)
    throw exceeded(
      `Your ${plan} plan stores ${quota.storageBytes} bytes; ${usedStorageBytes} are used. Delete data or upgrade.`,
      ['input', 'sizeBytes'],
    );
}

/** What `Tenant.quota` answers. */
export async function quotaView(tx: Tx) {
  const { plan, quota } = await quotaOf(tx);
  return { plan, ...quota, ...(await usageOf(tx)) };
}
