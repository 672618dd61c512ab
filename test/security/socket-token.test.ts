/**
 * The dashboard handed its 7-day session token to page JavaScript for the WebSocket (issue 20,
 * hole 10). A socket token replaces it there: bound to the session and tenant, good only for
 * opening a graphql-ws connection, and only briefly.
 */
import { schema } from '@antidote/db';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, wsClient } from '../api/support.ts';

const MINT = 'mutation { createSocketToken { token expiresAt userErrors { code } } }';

function me(gw: TestGateway, token: string): Promise<{ data?: unknown; errors?: unknown }> {
  const client = wsClient(gw, { authorization: `Bearer ${token}` });
  return new Promise((resolve) => {
    let result: { data?: unknown; errors?: unknown } = {};
    client.subscribe(
      { query: '{ me { role } }' },
      {
        next: (value) => {
          result = value as typeof result;
        },
        error: (error) => {
          resolve({ errors: error });
          void client.dispose();
        },
        complete: () => {
          resolve(result);
          void client.dispose();
        },
      },
    );
  });
}

describe('socket tokens', () => {
  let gw: TestGateway;
  let member: Awaited<ReturnType<TestGateway['signUp']>>;
  const mint = async () =>
    (await gw.gql<{ createSocketToken: { token: string | null; expiresAt: string } }>(member.token, MINT)).data
      ?.createSocketToken;

  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite', env: { ANTIDOTE_SOCKET_TOKEN_SECONDS: '1' } });
    member = await gw.signUp('sockets', 'analyst');
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('opens a WebSocket, briefly, and nothing else', async () => {
    const minted = await mint();
    expect(minted?.token).toMatch(/^wt_/);
    expect(new Date(minted?.expiresAt ?? 0).getTime() - Date.now()).toBeLessThanOrEqual(1000);
    const token = minted?.token ?? '';
    expect(await me(gw, token)).toEqual({ data: { me: { role: 'ANALYST' } } });
    // over HTTP it is no credential at all
    const http = await gw.gql(token, '{ me { role } }');
    expect(http.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // expired: no new connection
    await sleep(1200);
    expect((await me(gw, token)).data ?? null).toBeNull();
  });

  it('is refused when tampered with or when its session ended', async () => {
    const token = (await mint())?.token ?? '';
    const tampered = `${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}A`;
    expect((await me(gw, tampered)).data ?? null).toBeNull();
    await gw.database.asService((tx) => tx.delete(schema.sessions).where(eq(schema.sessions.userId, member.userId)));
    expect((await me(gw, token)).data ?? null).toBeNull();
  });
});
