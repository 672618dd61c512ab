/**
 * Attacks on the WebSocket transport (issue 20, hole 2): in production mode a viewer must meet
 * the same rules over graphql-ws as over HTTP (no introspection, depth/alias limits, masked
 * internal errors), and the upgrade and each connection are rate limited with small messages.
 */
import { randomBytes } from 'node:crypto';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sleep, wsClient } from '../api/support.ts';

const PRODUCTION = { NODE_ENV: 'production', ANTIDOTE_SIGNING_SECRET: randomBytes(32).toString('hex') };

interface Outcome {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Runs one operation over graphql-ws and returns its result or its errors. */
function run(client: Client, query: string, variables?: Record<string, unknown>): Promise<Outcome> {
  return new Promise((resolve) => {
    let outcome: Outcome = {};
    client.subscribe(
      { query, ...(variables ? { variables } : {}) },
      {
        next: (value) => {
          outcome = value as Outcome;
        },
        error: (error) => {
          resolve({ errors: Array.isArray(error) ? error : [{ message: String((error as Error).message ?? error) }] });
        },
        complete: () => resolve(outcome),
      },
    );
  });
}

const nested = (depth: number) => {
  let inner = 'id';
  for (let i = 0; i < depth; i++) inner = i % 2 === 0 ? `model { ${inner} }` : `latestVersion { ${inner} }`;
  return `{ models { edges { node { latestVersion { ${inner} } } } } }`;
};

describe('graphql-ws in production mode, as a viewer', () => {
  let gw: TestGateway;
  let client: Client;
  let viewerToken: string;
  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite', env: PRODUCTION });
    const viewer = await gw.signUp('ws-prod', 'viewer');
    viewerToken = viewer.token;
    client = wsClient(gw, { authorization: `Bearer ${viewer.token}` });
  });
  afterAll(async () => {
    await client?.dispose();
    await gw?.close();
  });

  it('answers a plain query (the transport works)', async () => {
    const result = await run(client, '{ me { role } }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ me: { role: 'VIEWER' } });
  });

  it('refuses introspection', async () => {
    const result = await run(client, '{ __schema { types { name } } }');
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.length).toBeGreaterThan(0);
  });

  it('refuses a depth-14 query and 300 aliases', async () => {
    const deep = await run(client, nested(14));
    expect(deep.data ?? null).toBeNull();
    expect(deep.errors?.length).toBeGreaterThan(0);
    const aliases = Array.from({ length: 300 }, (_, i) => `a${i}: me { role }`).join(' ');
    const wide = await run(client, `{ ${aliases} }`);
    expect(wide.data ?? null).toBeNull();
    expect(wide.errors?.length).toBeGreaterThan(0);
  });

  it('refuses nested lists that multiply to a million rows, over HTTP and WebSocket alike', async () => {
    const query =
      '{ models(first: 100) { edges { node { versions(first: 100) { edges { node { findings { id } children { id } } } } } } } }';
    const ws = await run(client, query);
    expect(ws.data ?? null).toBeNull();
    expect(JSON.stringify(ws.errors)).toMatch(/rows/);
    const http = await gw.gql(viewerToken, query);
    expect(http.data ?? null).toBeNull();
    // an ordinary page still passes
    expect(
      (await run(client, '{ models(first: 100) { edges { node { id versions { totalCount } } } } }')).errors,
    ).toBeUndefined();
  });

  it('masks internal errors: no SQL, no parameters', async () => {
    // a well-formed cursor whose id is no uuid: Postgres rejects it, with the query and its parameters
    const cursor = Buffer.from(JSON.stringify(['2020-01-01T00:00:00Z', 'not-a-uuid'])).toString('base64url');
    const result = await run(client, 'query($after: String) { models(after: $after) { totalCount } }', { after: cursor });
    const text = JSON.stringify(result.errors ?? []);
    expect(result.errors?.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/select|not-a-uuid|failed query|params/i);
  });
});

describe('graphql-ws rate limits and message size', () => {
  let gw: TestGateway;
  let token: string;
  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite', env: { ...PRODUCTION, ANTIDOTE_RATE_LIMIT: '60' } });
    token = (await gw.signUp('ws-limits', 'viewer')).token;
  });
  afterAll(async () => {
    await gw?.close();
  });

  const wsUrl = () => `${gw.url.replace(/^http/, 'ws')}/graphql`;

  it('rate limits the upgrade itself', async () => {
    const outcomes = await Promise.all(
      Array.from(
        { length: 40 },
        () =>
          new Promise<string>((resolve) => {
            const socket = new WebSocket(wsUrl(), 'graphql-transport-ws');
            socket.on('open', () => {
              resolve('open');
              socket.close();
            });
            socket.on('unexpected-response', (_req, res) => {
              resolve(String(res.statusCode));
              socket.terminate();
            });
            socket.on('error', () => resolve('error'));
          }),
      ),
    );
    expect(outcomes.filter((o) => o === '429').length).toBeGreaterThan(0);
  });

  it('rate limits operations on one connection', async () => {
    await sleep(1500);
    const client = wsClient(gw, { authorization: `Bearer ${token}` });
    try {
      const results = await Promise.all(Array.from({ length: 40 }, () => run(client, '{ me { role } }')));
      const limited = results.filter((r) => r.errors?.some((e) => e.extensions?.code === 'RATE_LIMITED'));
      expect(limited.length).toBeGreaterThan(0);
    } finally {
      await client.dispose();
    }
  });

  it('closes a connection that sends a 2 MiB message', async () => {
    await sleep(1500);
    const code = await new Promise<number>((resolve) => {
      setTimeout(() => resolve(-1), 10_000);
      const socket = new WebSocket(wsUrl(), 'graphql-transport-ws');
      socket.on('open', () =>
        socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
      );
      socket.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'connection_ack') {
          socket.send(
            JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ me { role } } #${'a'.repeat(2 * 1024 * 1024)}` } }),
          );
        }
      });
      socket.on('close', (closeCode) => resolve(closeCode));
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    expect(code).toBe(1009);
  });
});
