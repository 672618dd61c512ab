/**
 * Continuous monitoring: a new version under a monitor starts a scan; interval monitors come due;
 * webhooks are HMAC-signed and never sent to private addresses unless the operator allows it.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { schema } from '@antidote/db';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { runDueMonitors } from '@antidote/worker';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, apiClient } from './client.ts';
import { backdooredFashionMnist } from './fixtures.ts';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

function receiver(): Promise<{ url: string; server: Server; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server, received }),
    ),
  );
}

const SECRET = 'a-webhook-secret-of-some-length';

describe.each([true, false])('monitors (private webhooks allowed: %s)', { timeout: 300_000 }, (allowPrivate) => {
  let gw: TestGateway;
  let api: ApiClient;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let modelId: string;
  let datasetId: string;
  let monitorId: string;

  beforeAll(async () => {
    hook = await receiver();
    gw = await startTestGateway({ backend: 'pglite', env: allowPrivate ? { ANTIDOTE_ALLOW_PRIVATE_WEBHOOKS: '1' } : {} });
    const owner = await gw.signUp('watch', 'owner');
    api = apiClient(gw.url, owner.token);
    const fixture = await backdooredFashionMnist();
    const { registerModel } = await api.gql<{ registerModel: { model: { id: string } } }>(
      'mutation($u: ID!) { registerModel(input: { name: "watched", uploadId: $u }) { model { id } userErrors { message } } }',
      { u: await api.upload('MODEL', 'v1.zip', fixture.modelZip) },
    );
    modelId = registerModel.model.id;
    const { registerDataset } = await api.gql<{ registerDataset: { dataset: { id: string } } }>(
      'mutation($u: ID!) { registerDataset(input: { name: "trusted", uploadId: $u }) { dataset { id } userErrors { message } } }',
      { u: await api.upload('DATASET', 'trusted.zip', fixture.trustedZip) },
    );
    datasetId = registerDataset.dataset.id;
    const { createMonitor } = await api.gql<{
      createMonitor: { monitor: { id: string; webhooks: { url: string }[] }; userErrors: unknown[] };
    }>(
      'mutation($i: CreateMonitorInput!) { createMonitor(input: $i) { monitor { id webhooks { url } } userErrors { code message field } } }',
      { i: { name: 'nightly', modelId, datasetId, intervalMinutes: 60, webhooks: [{ url: hook.url, secret: SECRET }] } },
    );
    expect(createMonitor.userErrors).toEqual([]);
    monitorId = createMonitor.monitor.id;
    // the secret is write-only
    expect(JSON.stringify(createMonitor.monitor)).not.toContain(SECRET);
  });
  afterAll(async () => {
    await gw?.close();
    hook?.server.close();
  });

  it('sends signed test deliveries only where allowed', async () => {
    const { testMonitorWebhook } = await api.gql<{
      testMonitorWebhook: { deliveries: { status: string; responseCode: number | null; error: string | null }[] };
    }>(
      'mutation($id: ID!) { testMonitorWebhook(input: { id: $id }) { deliveries { status responseCode error } userErrors { code } } }',
      { id: monitorId },
    );
    if (!allowPrivate) {
      expect(testMonitorWebhook.deliveries).toEqual([{ status: 'refused', responseCode: null, error: null }]);
      expect(hook.received).toHaveLength(0);
      return;
    }
    expect(testMonitorWebhook.deliveries[0]).toEqual({ status: 'delivered', responseCode: null, error: null });
    const [delivery] = hook.received;
    const signature = String(delivery?.headers['x-antidote-signature']);
    const timestamp = /t=(\d+)/.exec(signature)?.[1];
    const expected = createHmac('sha256', SECRET).update(`${timestamp}.${delivery?.body}`).digest('hex');
    expect(signature).toBe(`t=${timestamp},v1=${expected}`);
    expect(JSON.parse(delivery?.body ?? '{}')).toMatchObject({
      event: 'monitor.test',
      monitor: { id: monitorId, name: 'nightly' },
    });
  });

  it('starts a scan for each new version, once', async () => {
    const fixture = await backdooredFashionMnist();
    const add = async () =>
      (
        await api.gql<{
          addModelVersion: { version: { version: number }; monitorJobs: { id: string; kind: string; state: string }[] };
        }>(
          'mutation($i: AddModelVersionInput!) { addModelVersion(input: $i) { version { version } monitorJobs { id kind state } userErrors { message } } }',
          { i: { modelId, uploadId: await api.upload('MODEL', 'v2.zip', fixture.modelZip) } },
        )
      ).addModelVersion;
    const first = await add();
    expect(first.version.version).toBe(2);
    expect(first.monitorJobs).toEqual([expect.objectContaining({ kind: 'SCAN', state: 'QUEUED' })]);
    expect(
      await gw.services.queue.state(
        Buffer.from(first.monitorJobs[0]?.id ?? '', 'base64url')
          .toString()
          .split(':')[1] ?? '',
      ),
    ).toBe('created');
  });

  it('re-scans the latest version when an interval monitor comes due, and not before', async () => {
    expect(await runDueMonitors(gw.database, gw.services.queue)).toEqual([]);
    await gw.database.asService((tx) => tx.update(schema.monitors).set({ nextRunAt: sql`now() - interval '1 minute'` }));
    const started = await runDueMonitors(gw.database, gw.services.queue);
    expect(started).toHaveLength(1);
    const [monitor] = await gw.database.asService((tx) =>
      tx
        .select()
        .from(schema.monitors)
        .where(eq(schema.monitors.id, started[0]?.monitorId ?? '')),
    );
    expect(monitor?.nextRunAt?.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(await runDueMonitors(gw.database, gw.services.queue)).toEqual([]);
  });
});
