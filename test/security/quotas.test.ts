/**
 * Attacks on shared capacity (issue 20, hole 4, quota half): a tenant queues jobs, sweeps,
 * monitors and storage without bound. Each is now capped by the tenant's plan with a clear
 * QUOTA_EXCEEDED, and the quota is readable.
 */
import { schema } from '@antidote/db';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gid, insertModelAndDataset } from './support.ts';

type Payload = { userErrors: { code: string; message: string }[] };
const SWEEP = 'mutation($i: StartSweepInput!) { startSweep(input: $i) { job { id } userErrors { code message } } }';
const MONITOR = 'mutation($i: CreateMonitorInput!) { createMonitor(input: $i) { monitor { id } userErrors { code message } } }';

describe('plan quotas (free plan)', () => {
  let gw: TestGateway;
  let token: string;
  let ids: { modelId: string; datasetId: string };
  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite' });
    const owner = await gw.signUp('quota', 'owner');
    token = owner.token;
    await gw.database.asService((tx) =>
      tx.update(schema.tenants).set({ plan: 'free' }).where(eq(schema.tenants.id, owner.tenantId)),
    );
    ids = await insertModelAndDataset(gw, owner.tenantId);
  });
  afterAll(async () => {
    await gw?.close();
  });

  const sweep = (input: Record<string, unknown>) =>
    gw.gql<{ startSweep: Payload }>(token, SWEEP, { i: { attack: 'badnets', poisonCounts: [10], ...input } });

  it('refuses a sweep larger than the plan allows', async () => {
    const big = await sweep({ poisonCounts: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], seeds: 10, epochs: 50 });
    expect(big.data?.startSweep.userErrors[0]?.code).toBe('QUOTA_EXCEEDED');
  });

  it('stops queueing jobs at the plan limit', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 25; i++)
      codes.push((await sweep({ idempotencyKey: `q-${i}` })).data?.startSweep.userErrors[0]?.code ?? 'ok');
    expect(codes.filter((c) => c === 'ok').length).toBeLessThan(25);
    expect(codes.at(-1)).toBe('QUOTA_EXCEEDED');
  });

  it('caps monitors and their re-scan interval', async () => {
    const create = (intervalMinutes?: number) =>
      gw.gql<{ createMonitor: Payload }>(token, MONITOR, {
        i: {
          name: `m ${Math.random()}`,
          modelId: gid('Model', ids.modelId),
          datasetId: gid('Dataset', ids.datasetId),
          intervalMinutes,
        },
      });
    expect((await create(5)).data?.createMonitor.userErrors[0]?.code).toBe('QUOTA_EXCEEDED');
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push((await create()).data?.createMonitor.userErrors[0]?.code ?? 'ok');
    expect(codes).toContain('QUOTA_EXCEEDED');
  });

  it('refuses uploads past the storage quota', async () => {
    const upload = await gw.gql<{ createUpload: Payload }>(
      token,
      'mutation($n: Int!) { createUpload(input: { purpose: MODEL, filename: "m.zip", sizeBytes: $n }) { upload { id } userErrors { code } } }',
      { n: 150 * 1024 * 1024 },
    );
    // the free plan stores 100 MiB
    expect(upload.data?.createUpload.userErrors[0]?.code).toBe('QUOTA_EXCEEDED');
  });

  it('shows the quota and its use', async () => {
    const me = await gw.gql<{ me: { tenant: { quota: { plan: string; maxQueuedJobs: number; queuedJobs: number } } } }>(
      token,
      '{ me { tenant { quota { plan maxQueuedJobs queuedJobs maxMonitors monitors storageBytes usedStorageBytes } } } }',
    );
    expect(me.errors).toBeUndefined();
    expect(me.data?.me.tenant.quota.plan).toBe('free');
    expect(me.data?.me.tenant.quota.queuedJobs).toBe(me.data?.me.tenant.quota.maxQueuedJobs);
  });
});
