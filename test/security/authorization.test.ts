/**
 * Attacks on authorisation (issue 20, hole 6): API key scopes that were stored but not enforced,
 * reads without role checks (a viewer reading keys, the audit log, webhook secrets), and the
 * shared worker pool listed with its hosts to every tenant.
 */
import { schema } from '@antidote/db';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gid, insertModelAndDataset } from './support.ts';

const SLACK_SECRET_PATH = '/services/T000/B000/XXXXsecretXXXX';

describe('authorisation', () => {
  let gw: TestGateway;
  let owner: Awaited<ReturnType<TestGateway['signUp']>>;
  let viewer: Awaited<ReturnType<TestGateway['signUp']>>;
  let scanKey: string;
  let readKey: string;

  const createKey = async (scopes: string[]) => {
    const made = await gw.gql<{ createApiKey: { secret: string | null; userErrors: { code: string }[] } }>(
      owner.token,
      'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret userErrors { code } } }',
      { i: { name: `k ${Math.random().toString(36).slice(2)}`, role: 'ADMIN', scopes } },
    );
    return made.data?.createApiKey;
  };

  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite', env: { ANTIDOTE_ALLOW_PRIVATE_WEBHOOKS: '1' } });
    owner = await gw.signUp('authz', 'owner');
    viewer = await gw.signUp('authz', 'viewer');
    const ids = await insertModelAndDataset(gw, owner.tenantId);
    const monitor = await gw.gql<{ createMonitor: { userErrors: unknown[] } }>(
      owner.token,
      'mutation($i: CreateMonitorInput!) { createMonitor(input: $i) { userErrors { code } } }',
      {
        i: {
          name: 'alerts',
          modelId: gid('Model', ids.modelId),
          datasetId: gid('Dataset', ids.datasetId),
          webhooks: [{ url: `https://hooks.slack.com${SLACK_SECRET_PATH}`, secret: 's'.repeat(16) }],
        },
      },
    );
    expect(monitor.data?.createMonitor.userErrors).toEqual([]);
    scanKey = (await createKey(['scan']))?.secret ?? '';
    readKey = (await createKey(['read']))?.secret ?? '';
    expect(scanKey).toMatch(/^ak_/);
    await gw.database.asService((tx) =>
      tx
        .insert(schema.workers)
        .values({ id: 'worker-of-tenant-x-42', hostname: 'gpu-node-7.internal', backend: 'wasm', concurrency: 2 }),
    );
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('refuses scopes outside the documented list', async () => {
    expect((await createKey(['root']))?.userErrors[0]?.code).toBe('INVALID_INPUT');
  });

  it('a scan-only key cannot register uploads, read the audit log or list keys', async () => {
    const upload = await gw.gql<{ createUpload: { userErrors: { code: string }[] } }>(
      scanKey,
      'mutation { createUpload(input: { purpose: MODEL, filename: "m.zip", sizeBytes: 10 }) { upload { id } userErrors { code } } }',
    );
    expect(upload.data?.createUpload.userErrors[0]?.code).toBe('FORBIDDEN');
    const audit = await gw.gql(scanKey, '{ auditLog { edges { node { action details } } } }');
    expect(audit.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const keys = await gw.gql(scanKey, '{ apiKeys { edges { node { prefix } } } }');
    expect(keys.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a read-only key reads models but cannot start anything', async () => {
    const models = await gw.gql<{ models: { totalCount: number } }>(readKey, '{ models { totalCount } }');
    expect(models.data?.models.totalCount).toBe(1);
    const monitor = await gw.gql<{ deleteMonitor: { userErrors: { code: string }[] } }>(
      readKey,
      'mutation { deleteMonitor(input: { id: "x" }) { deletedId userErrors { code } } }',
    );
    expect(monitor.data?.deleteMonitor.userErrors[0]?.code).toBe('FORBIDDEN');
  });

  it('a viewer sees no API keys, no audit log and no webhook secrets', async () => {
    const keys = await gw.gql(viewer.token, '{ apiKeys { edges { node { prefix } } } }');
    expect(keys.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const audit = await gw.gql(viewer.token, '{ auditLog { edges { node { action details } } } }');
    expect(audit.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const monitors = await gw.gql(viewer.token, '{ monitors { edges { node { webhooks { url } } } } }');
    expect(monitors.errors).toBeUndefined();
    expect(JSON.stringify(monitors.data)).not.toContain('secret');
    expect(JSON.stringify(monitors.data)).toContain('hooks.slack.com');
    // the owner still sees its own key list and log
    const ownerKeys = await gw.gql(owner.token, '{ apiKeys { totalCount } auditLog { totalCount } }');
    expect(ownerKeys.errors).toBeUndefined();
  });

  it('a viewer cannot reach keys or audit entries through node(id) either', async () => {
    const [entry] = await gw.database.withTenant(owner.tenantId, (tx) => tx.select().from(schema.auditLog).limit(1));
    const [key] = await gw.database.withTenant(owner.tenantId, (tx) => tx.select().from(schema.apiKeys).limit(1));
    const result = await gw.gql<{ a: unknown; k: unknown }>(
      viewer.token,
      'query($a: ID!, $k: ID!) { a: node(id: $a) { id } k: node(id: $k) { id } }',
      { a: gid('AuditEntry', String(entry?.id)), k: gid('ApiKey', key?.id ?? '') },
    );
    expect(result.data?.a ?? null).toBeNull();
    expect(result.data?.k ?? null).toBeNull();
  });

  it('workers shows the shared pool in aggregate, not other machines by name', async () => {
    const result = await gw.gql<{ workers: { backend: string; concurrency: number }[] }>(
      viewer.token,
      '{ workers { id backend concurrency } }',
    );
    expect(result.errors).toBeUndefined();
    const text = JSON.stringify(result.data);
    expect(text).not.toContain('worker-of-tenant-x-42');
    expect(text).not.toContain('gpu-node-7');
    expect(result.data?.workers).toEqual([expect.objectContaining({ backend: 'wasm', concurrency: 2 })]);
  });
});
