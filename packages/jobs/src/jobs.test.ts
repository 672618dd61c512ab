import { schema } from '@antidote/db';
import { createTestDatabase, type SeededTenant, seedTenant, TEST_BACKENDS, type TestDatabase } from '@antidote/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESTIMATE_EXPIRY_FACTOR, expiryFor, InvalidJobParamsError, JOB_CATALOG } from './catalog.ts';
import { appendJobEvent, type JobEvent, JobEventHub } from './events.ts';
import { claimJob, finishJob, IdempotencyConflictError, insertJob, requestCancel, requeueJob } from './lifecycle.ts';
import { type DeliveredJob, JobQueue } from './queue.ts';

describe.each(TEST_BACKENDS)('jobs on %s', (backend) => {
  let database: TestDatabase;
  let a: SeededTenant;
  let b: SeededTenant;
  let queue: JobQueue;
  let hub: JobEventHub;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    a = await seedTenant(database, 'a');
    b = await seedTenant(database, 'b');
    queue = await JobQueue.start(database, { pollingIntervalSeconds: 0.5, retryDelaySeconds: 1 });
    hub = new JobEventHub(database);
  });
  afterAll(async () => {
    await hub?.close();
    await queue?.stop(2000);
    await database?.close();
  });

  const scan = (t: SeededTenant) => ({ modelVersionId: t.modelVersionId, datasetId: t.datasetId });

  it('returns the same job for the same idempotency key and rejects a reused key with other parameters', async () => {
    const first = await database.withTenant(a.tenantId, (tx) =>
      insertJob(tx, { tenantId: a.tenantId, kind: 'scan', params: scan(a), idempotencyKey: 'ci-run-1' }),
    );
    const again = await database.withTenant(a.tenantId, (tx) =>
      insertJob(tx, { tenantId: a.tenantId, kind: 'scan', params: scan(a), idempotencyKey: 'ci-run-1' }),
    );
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, job: { id: first.job.id } });
    await expect(
      database.withTenant(a.tenantId, (tx) =>
        insertJob(tx, { tenantId: a.tenantId, kind: 'scan', params: { ...scan(a), threshold: 0.5 }, idempotencyKey: 'ci-run-1' }),
      ),
    ).rejects.toBeInstanceOf(IdempotencyConflictError);
    // the same key in another tenant is another job
    const other = await database.withTenant(b.tenantId, (tx) =>
      insertJob(tx, { tenantId: b.tenantId, kind: 'scan', params: scan(b), idempotencyKey: 'ci-run-1' }),
    );
    expect(other.created).toBe(true);
  });

  it("lets a running attempt's time limit follow the job's estimate, never below the kind's default", async () => {
    const base = JOB_CATALOG.scan.policy.expireInSeconds;
    expect(expiryFor('scan', null)).toBe(base);
    expect(expiryFor('scan', base / (2 * ESTIMATE_EXPIRY_FACTOR))).toBe(base);
    // A 224-px scan foreseen at 5 h gets three times that, not the hour that would kill it.
    expect(expiryFor('scan', 5 * 3600)).toBe(ESTIMATE_EXPIRY_FACTOR * 5 * 3600);
    expect(expiryFor('repair', Number.NaN)).toBe(JOB_CATALOG.repair.policy.expireInSeconds);
    const { job } = await database.withTenant(a.tenantId, (tx) =>
      insertJob(tx, { tenantId: a.tenantId, kind: 'scan', params: scan(a) }),
    );
    expect(await queue.enqueue(job)).toBe(true);
    expect(await queue.expiry(job.id)).toBe(base);
    await queue.setExpiry(job.id, expiryFor('scan', 5 * 3600));
    expect(await queue.expiry(job.id)).toBe(ESTIMATE_EXPIRY_FACTOR * 5 * 3600);
    expect(await queue.expiry('00000000-0000-4000-8000-000000000000')).toBeNull();
    // Out of the way of the fairness tests below, which count the tenant's queued jobs.
    await database.withTenant(a.tenantId, (tx) => requestCancel(tx, a.tenantId, job.id));
    await queue.cancel(job.id);
  });

  it('validates parameters against the catalog', async () => {
    await expect(
      database.withTenant(a.tenantId, (tx) =>
        insertJob(tx, { tenantId: a.tenantId, kind: 'repair', params: { ...scan(a), method: 'magic' } as never }),
      ),
    ).rejects.toBeInstanceOf(InvalidJobParamsError);
    await expect(
      database.withTenant(a.tenantId, (tx) =>
        insertJob(tx, { tenantId: a.tenantId, kind: 'scan', params: { ...scan(a), extra: 1 } as never }),
      ),
    ).rejects.toThrow(/extra/);
  });

  it('delivers jobs, retries a failed attempt, and records every transition as ordered events', async () => {
    const { job } = await database.withTenant(a.tenantId, (tx) =>
      insertJob(tx, { tenantId: a.tenantId, kind: 'repair', params: scan(a) }),
    );
    const deliveries: DeliveredJob[] = [];
    await queue.work(1, async (delivered) => {
      deliveries.push(delivered);
      const claimed = await database.withTenant(delivered.tenantId, (tx) =>
        claimJob(tx, delivered.tenantId, delivered.jobId, delivered.attempt),
      );
      if (!claimed) return;
      if (delivered.attempt === 1) {
        await database.withTenant(delivered.tenantId, (tx) =>
          requeueJob(tx, delivered.tenantId, delivered.jobId, { code: 'INTERNAL', message: 'flaky' }),
        );
        throw new Error('flaky');
      }
      await database.withTenant(delivered.tenantId, async (tx) => {
        await appendJobEvent(tx, delivered.tenantId, delivered.jobId, { type: 'progress', phase: 'tuning', progress: 0.5 });
        await finishJob(tx, delivered.tenantId, delivered.jobId, { state: 'succeeded' });
      });
    });
    await queue.enqueue(job);
    await queue.enqueue(job); // a second send of the same job is a no-op
    const events: JobEvent[] = [];
    for await (const event of hub.subscribe({ tenantId: a.tenantId, jobId: job.id })) events.push(event);
    expect(events.map((e) => e.type)).toEqual(['queued', 'started', 'retrying', 'started', 'progress', 'succeeded']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(deliveries.filter((d) => d.jobId === job.id).map((d) => d.attempt)).toEqual([1, 2]);
    const [row] = await database.withTenant(a.tenantId, (tx) => tx.select().from(schema.jobs).where(eq(schema.jobs.id, job.id)));
    expect(row).toMatchObject({ state: 'succeeded', attempts: 2, progress: 1 });

    // a late subscriber replays the whole history; tenant B sees none of it
    const late: number[] = [];
    for await (const event of hub.subscribe({ tenantId: a.tenantId, jobId: job.id })) late.push(event.seq);
    expect(late).toEqual([1, 2, 3, 4, 5, 6]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const stolen: JobEvent[] = [];
    for await (const event of hub.subscribe({ tenantId: b.tenantId, jobId: job.id, signal: controller.signal }))
      stolen.push(event);
    expect(stolen).toEqual([]);
  });

  it('cancels a queued job at once and re-sends jobs a crash left unqueued', async () => {
    const { job } = await database.withTenant(b.tenantId, (tx) =>
      insertJob(tx, { tenantId: b.tenantId, kind: 'evaluate', params: scan(b) }),
    );
    const cancelled = await database.withTenant(b.tenantId, (tx) => requestCancel(tx, b.tenantId, job.id));
    expect(cancelled?.state).toBe('cancelled');
    expect(await database.withTenant(a.tenantId, (tx) => requestCancel(tx, a.tenantId, job.id))).toBeNull();

    const { job: stranded } = await database.withTenant(b.tenantId, (tx) =>
      insertJob(tx, { tenantId: b.tenantId, kind: 'evaluate', params: scan(b) }),
    );
    expect(await queue.state(stranded.id)).toBeNull();
    expect(await queue.reconcile(0)).toBeGreaterThanOrEqual(1);
    await expect.poll(() => queue.state(stranded.id), { timeout: 10_000 }).not.toBeNull();
  });
});
