/**
 * Attacks on outgoing webhooks (issue 20, holes 1 and 8): special addresses written the way the
 * URL parser normalises them, DNS rebinding with a resolver the test controls, a test delivery
 * used as a port scanner, and unbounded fan-out.
 */
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { deliverWebhook, nonPublicReason } from '@antidote/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gid, insertModelAndDataset, startVictim, type Victim } from './support.ts';

let victim: Victim;
beforeAll(async () => {
  victim = await startVictim();
});
afterAll(async () => {
  await victim.close();
});

const send = (url: string) =>
  deliverWebhook({ url, secret: 's'.repeat(16), event: 'monitor.test', payload: {}, allowPrivate: false, timeoutMs: 1500 });

describe('SSRF through special address literals', () => {
  it('refuses loopback and metadata written as IPv4-mapped, compatible, NAT64 and 6to4 IPv6', async () => {
    const port = victim.port;
    const urls = [
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[::ffff:7f00:1]:${port}/`,
      `http://[0:0:0:0:0:ffff:7f00:0001]:${port}/`,
      'http://[::ffff:a9fe:a9fe]/latest/meta-data/',
      'http://[::ffff:169.254.169.254]/',
      `http://[::127.0.0.1]:${port}/`,
      `http://[64:ff9b::7f00:1]:${port}/`,
      `http://[2002:7f00:1::]:${port}/`,
      `http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:${port}/`,
      `http://[::]:${port}/`,
      `http://[::1]:${port}/`,
      `http://[fd00::1]:${port}/`,
      `http://[fe80::1]:${port}/`,
      `http://0.0.0.0:${port}/`,
      `http://0x7f.1:${port}/`,
      `http://2130706433:${port}/`,
      'http://100.100.100.200/',
      'http://198.18.0.1/',
    ];
    const results = await Promise.all(urls.map(send));
    expect(victim.hits).toEqual([]);
    expect(results.map((r) => [r.url, r.status])).toEqual(urls.map((u) => [u, 'blocked']));
  });
});

describe('the address check', () => {
  it('lets public unicast through, so it is not a guard that refuses everything', () => {
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '2a00:1450:4001:82b::200e']) {
      expect(nonPublicReason(address)).toBeNull();
    }
  });
});

describe('DNS rebinding', () => {
  const original = { lookup: dns.lookup, promises: dns.promises.lookup };
  let calls = 0;
  beforeAll(() => {
    // the attacker's name server: a public address for the check, loopback afterwards
    const answer = (host: string) => {
      calls += host === 'rebind.attacker.test' ? 1 : 0;
      return calls <= 1 ? '93.184.215.14' : '127.0.0.1';
    };
    const fakeLookup = ((host: string, options: unknown, callback?: unknown) => {
      const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
      if (host !== 'rebind.attacker.test') return original.lookup(host, options as never, cb as never);
      const address = answer(host);
      process.nextTick(() => (all ? cb(null, [{ address, family: 4 }]) : cb(null, address, 4)));
    }) as typeof dns.lookup;
    dns.lookup = fakeLookup;
    dns.promises.lookup = (async (host: string, options?: { all?: boolean }) => {
      if (host !== 'rebind.attacker.test') return original.promises(host, options as never);
      const address = answer(host);
      return options?.all ? [{ address, family: 4 }] : { address, family: 4 };
    }) as typeof dns.promises.lookup;
    syncBuiltinESMExports();
  });
  afterAll(() => {
    dns.lookup = original.lookup;
    dns.promises.lookup = original.promises;
    syncBuiltinESMExports();
  });

  it('connects to the address it checked, so a second answer cannot point at loopback', async () => {
    victim.hits.length = 0;
    const result = await send(`http://rebind.attacker.test:${victim.port}/`);
    expect(victim.hits).toEqual([]);
    expect(calls).toBe(1);
    expect(result.status).not.toBe('delivered');
  });
});

describe('through the gateway', () => {
  let gw: TestGateway;
  let token: string;
  let ids: { modelId: string; datasetId: string };
  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite', env: { ANTIDOTE_ALLOW_PRIVATE_WEBHOOKS: '1' } });
    const owner = await gw.signUp('egress');
    token = owner.token;
    ids = await insertModelAndDataset(gw, owner.tenantId);
  });
  afterAll(async () => {
    await gw?.close();
  });

  const createMonitor = (webhooks: { url: string; secret: string }[]) =>
    gw.gql<{ createMonitor: { monitor: { id: string } | null; userErrors: { code: string; field: string[] }[] } }>(
      token,
      'mutation($i: CreateMonitorInput!) { createMonitor(input: $i) { monitor { id } userErrors { code field } } }',
      {
        i: {
          name: `mon ${Math.random()}`,
          modelId: gid('Model', ids.modelId),
          datasetId: gid('Dataset', ids.datasetId),
          webhooks,
        },
      },
    );

  it('testMonitorWebhook says only delivered / refused / failed: no status code, no remote error text', async () => {
    const failing = await startVictim(500);
    try {
      const closedPort = failing.port + 1;
      const made = await createMonitor([
        { url: `${failing.url}/x`, secret: 's'.repeat(16) },
        { url: `http://127.0.0.1:${closedPort}/`, secret: 's'.repeat(16) },
      ]);
      const monitorId = made.data?.createMonitor.monitor?.id;
      expect(monitorId).toBeTruthy();
      const response = await gw.gql<{ testMonitorWebhook: { deliveries: Record<string, unknown>[] } }>(
        token,
        'mutation($i: TestMonitorWebhookInput!) { testMonitorWebhook(input: $i) { deliveries { url status responseCode error } userErrors { code } } }',
        { i: { id: monitorId } },
      );
      const deliveries = response.data?.testMonitorWebhook.deliveries ?? [];
      expect(deliveries).toHaveLength(2);
      for (const delivery of deliveries) {
        expect(['delivered', 'refused', 'failed']).toContain(delivery.status);
        expect(delivery.responseCode).toBeNull();
        expect(delivery.error).toBeNull();
      }
      // an HTTP 500 and a closed port look the same to the tenant
      expect(deliveries.map((d) => d.status)).toEqual(['failed', 'failed']);
    } finally {
      await failing.close();
    }
  });

  it('caps webhooks per monitor and URL length', async () => {
    const many = Array.from({ length: 6 }, (_, i) => ({ url: `https://hooks.example.com/${i}`, secret: 's'.repeat(16) }));
    const tooMany = await createMonitor(many);
    expect(tooMany.data?.createMonitor.userErrors[0]?.code).toBe('INVALID_INPUT');
    const long = await createMonitor([{ url: `https://hooks.example.com/${'a'.repeat(3000)}`, secret: 's'.repeat(16) }]);
    expect(long.data?.createMonitor.userErrors[0]?.code).toBe('INVALID_INPUT');
    const fine = await createMonitor(many.slice(0, 5));
    expect(fine.data?.createMonitor.userErrors).toEqual([]);
  });
});
