/**
 * Attack on fairness (issue 20, hole 4), the running side: priorities put every tenant's first
 * job first, but nothing stopped one tenant's jobs from holding every worker slot at once. Now a
 * worker takes a job only while its tenant is below its plan's running cap (MAX_RUNNING_JOBS)
 * and hands it back to the queue otherwise. Two "worker processes" (each its own pool and
 * pg-boss) on one real PostgreSQL database, three slots each, run the same path as
 * apps/worker (takeDeliveredJob, then queue.wake when the job stops).
 */
import { type Database, openDatabase, schema } from '@antidote/db';
import { createTestDatabase, type SeededTenant, seedTenant, type TestDatabase } from '@antidote/db/testing';
import { claimJob, finishJob, insertJob, JobQueue, MAX_RUNNING_JOBS, takeDeliveredJob } from '@antidote/jobs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../api/support.ts';

const SLOTS_PER_WORKER = 3;
const JOB_MS = 300;

interface Run {
  maxRunning: Map<string, number>;
  deferrals: number;
  seconds: number;
}

describe('per-tenant running-job cap across workers (real PostgreSQL)', () => {
  let database: TestDatabase;
  let second: Database;
  let free: SeededTenant;
  let standard: SeededTenant;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    second = await openDatabase({ url: database.url, poolSize: 5 });
    free = await seedTenant(database, 'capfree');
    standard = await seedTenant(database, 'capstd');
    await database.asService((tx) => tx.update(schema.tenants).set({ plan: 'free' }).where(eq(schema.tenants.id, free.tenantId)));
  });
  afterAll(async () => {
    await second?.close();
    await database?.close();
  });

  /** Queues `perTenant` scans for each tenant, works them on two workers, measures concurrency. */
  async function run(perTenant: number, capped: boolean): Promise<Run> {
    const queues = [
      await JobQueue.start(database, { pollingIntervalSeconds: 0.5, deferSeconds: 0.5, maxDeferSeconds: 2 }),
      await JobQueue.start(second, { pollingIntervalSeconds: 0.5, deferSeconds: 0.5, maxDeferSeconds: 2, supervise: false }),
    ];
    const ids: string[] = [];
    for (let i = 0; i < perTenant; i++) {
      for (const tenant of [free, standard]) {
        const { job } = await database.withTenant(tenant.tenantId, (tx) =>
          insertJob(tx, {
            tenantId: tenant.tenantId,
            kind: 'scan',
            params: { modelVersionId: tenant.modelVersionId, datasetId: tenant.datasetId },
          }),
        );
        await queues[0]?.enqueue(job);
        ids.push(job.id);
      }
    }
    const running = new Map<string, number>();
    const maxRunning = new Map<string, number>();
    let deferrals = 0;
    let done = 0;
    const started = Date.now();
    for (const [i, queue] of queues.entries()) {
      const db = i === 0 ? database : second;
      await queue.work(SLOTS_PER_WORKER, async (delivered) => {
        const { tenantId, jobId } = delivered;
        let job: unknown;
        if (capped) {
          const claim = await takeDeliveredJob(db, queue, delivered, `w${i}`);
          if (claim && 'deferred' in claim) {
            deferrals++;
            return;
          }
          job = claim?.job;
        } else {
          job = await db.withTenant(tenantId, (tx) => claimJob(tx, tenantId, jobId, delivered.attempt, `w${i}`));
        }
        if (!job) return;
        const now = (running.get(tenantId) ?? 0) + 1;
        running.set(tenantId, now);
        maxRunning.set(tenantId, Math.max(maxRunning.get(tenantId) ?? 0, now));
        try {
          await sleep(JOB_MS);
          await db.withTenant(tenantId, (tx) => finishJob(tx, tenantId, jobId, { state: 'succeeded' }));
          done++;
        } finally {
          running.set(tenantId, (running.get(tenantId) ?? 1) - 1);
          if (capped) await queue.wake(tenantId);
        }
      });
    }
    const deadline = Date.now() + 90_000;
    while (done < ids.length && Date.now() < deadline) await sleep(50);
    const seconds = (Date.now() - started) / 1000;
    for (const queue of queues) await queue.stop(2000);
    expect(done, 'every job ran').toBe(ids.length);
    return { maxRunning, deferrals, seconds };
  }

  it('without the cap one tenant holds more slots than its plan allows (the attack)', async () => {
    const { maxRunning } = await run(6, false);
    console.log(`no cap: free tenant max ${maxRunning.get(free.tenantId)} running at once (its plan: ${MAX_RUNNING_JOBS.free})`);
    expect(maxRunning.get(free.tenantId)).toBeGreaterThan(MAX_RUNNING_JOBS.free);
  });

  it('with it no tenant ever runs more than its plan allows, on any number of workers', async () => {
    const result = await run(6, true);
    console.log(
      `running cap: free max ${result.maxRunning.get(free.tenantId)}/${MAX_RUNNING_JOBS.free}, standard max ${result.maxRunning.get(standard.tenantId)}/${MAX_RUNNING_JOBS.standard}, ${result.deferrals} deferrals, 12 jobs of ${JOB_MS} ms on 2x${SLOTS_PER_WORKER} slots in ${result.seconds.toFixed(1)} s`,
    );
    expect(result.maxRunning.get(free.tenantId)).toBe(MAX_RUNNING_JOBS.free);
    expect(result.maxRunning.get(standard.tenantId)).toBeLessThanOrEqual(MAX_RUNNING_JOBS.standard);
    // the other tenant still used the slots the capped one could not take
    expect(result.maxRunning.get(standard.tenantId)).toBeGreaterThan(MAX_RUNNING_JOBS.free);
    expect(result.deferrals).toBeGreaterThan(0);
  });
});
