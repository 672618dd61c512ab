/**
 * Attack on fairness (issue 20, hole 4): one tenant floods the shared queue; another tenant's
 * first job must start within one job slot, not after the whole flood.
 */
import { createTestDatabase, type SeededTenant, seedTenant, type TestDatabase } from '@antidote/db/testing';
import { insertJob, JobQueue } from '@antidote/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../api/support.ts';

describe('fair scheduling across tenants', () => {
  let database: TestDatabase;
  let flooder: SeededTenant;
  let victim: SeededTenant;
  let queue: JobQueue;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    flooder = await seedTenant(database, 'flooder');
    victim = await seedTenant(database, 'victim');
    queue = await JobQueue.start(database, { pollingIntervalSeconds: 0.5 });
  });
  afterAll(async () => {
    await queue?.stop(2000);
    await database?.close();
  });

  const enqueueScan = async (tenant: SeededTenant) => {
    const { job } = await database.withTenant(tenant.tenantId, (tx) =>
      insertJob(tx, {
        tenantId: tenant.tenantId,
        kind: 'scan',
        params: { modelVersionId: tenant.modelVersionId, datasetId: tenant.datasetId },
      }),
    );
    await queue.enqueue(job);
    return job.id;
  };

  it("a tenant with 100 queued jobs delays another tenant's first job by at most one job slot", async () => {
    for (let i = 0; i < 100; i++) await enqueueScan(flooder);
    const victimJob = await enqueueScan(victim);
    const order: string[] = [];
    await queue.work(1, async (job) => {
      order.push(job.tenantId === victim.tenantId ? 'victim' : 'flooder');
      await sleep(5);
    });
    const deadline = Date.now() + 60_000;
    while (!order.includes('victim') && Date.now() < deadline) await sleep(50);
    const position = order.indexOf('victim');
    expect(victimJob).toBeTruthy();
    // one worker slot: at most the one flood job already competing, then the victim
    expect(position).toBeGreaterThanOrEqual(0);
    expect(position).toBeLessThanOrEqual(1);
  });
});
