/**
 * The gateway's credential cache (credentials.ts) must not outlive a revocation: a key revoked or
 * a session ended through one gateway is refused by that gateway on its next request and by
 * another gateway on the same database as soon as the NOTIFY reaches it, although both hold the
 * credential in their caches; a change made outside the API is refused once the entry's TTL ran
 * out, and an expiring key is not served past its expiry.
 */
import { createHash } from 'node:crypto';
import { schema } from '@antidote/db';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../api/support.ts';

const PROBE = '{ me { role } }';

async function until(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('cached credentials end when the credential does (two gateways, one database)', () => {
  let a: TestGateway;
  let b: TestGateway;
  let owner: Awaited<ReturnType<TestGateway['signUp']>>;

  beforeAll(async () => {
    // a TTL far beyond the test: only a notification (or the local drop) can explain a refusal
    a = await startTestGateway({ backend: 'postgres', env: { ANTIDOTE_AUTH_CACHE_SECONDS: '300' } });
    b = await startTestGateway({ backend: 'postgres', database: a.database, env: { ANTIDOTE_AUTH_CACHE_SECONDS: '300' } });
    owner = await a.signUp('cache', 'owner');
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const newKey = async (extra = '') => {
    const made = await a.gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      owner.token,
      `mutation { createApiKey(input: { name: "cached", role: VIEWER${extra} }) { secret apiKey { id } userErrors { code } } }`,
    );
    return { id: made.data?.createApiKey.apiKey.id ?? '', secret: made.data?.createApiKey.secret ?? '' };
  };
  const code = async (gw: TestGateway, token: string) => (await gw.gql(token, PROBE)).errors?.[0]?.extensions?.code ?? 'OK';

  it('a key revoked through one gateway is refused by both', async () => {
    const key = await newKey();
    expect([await code(a, key.secret), await code(b, key.secret)]).toEqual(['OK', 'OK']);
    const cachedOnB = b.services.credentials.size;
    expect(cachedOnB).toBeGreaterThan(0);
    const revoked = await a.gql(
      owner.token,
      'mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { userErrors { code } } }',
      {
        i: { id: key.id },
      },
    );
    expect(revoked.errors).toBeUndefined();
    expect(await code(a, key.secret)).toBe('UNAUTHENTICATED');
    await until(async () => (await code(b, key.secret)) === 'UNAUTHENTICATED', 'gateway B to refuse the revoked key', 3000);
  });

  it('a session signed out through one gateway is refused by both', async () => {
    const member = await a.signUp('cache', 'viewer');
    expect([await code(a, member.token), await code(b, member.token)]).toEqual(['OK', 'OK']);
    expect((await b.gql(member.token, 'mutation { signOut }')).errors).toBeUndefined();
    expect(await code(b, member.token)).toBe('UNAUTHENTICATED');
    await until(async () => (await code(a, member.token)) === 'UNAUTHENTICATED', 'gateway A to refuse the ended session', 3000);
  });

  it('the cache is in use: a revocation made outside the API is not seen before the TTL', async () => {
    const key = await newKey();
    expect(await code(b, key.secret)).toBe('OK');
    const [row] = await a.database.asService((tx) =>
      tx
        .update(schema.apiKeys)
        .set({ revokedAt: new Date() })
        .where(eq(schema.apiKeys.keyHash, createHash('sha256').update(key.secret).digest('hex')))
        .returning({ id: schema.apiKeys.id }),
    );
    expect(row).toBeDefined();
    // with a 300 s TTL the cached entry still answers: what the short default TTL bounds
    expect(await code(b, key.secret)).toBe('OK');
    // the same change announced the way the API does it reaches the cache
    await a.database.asService((tx) => tx.execute(sql`select pg_notify('antidote_credentials', ${`apikey:${row?.id}`})`));
    await until(async () => (await code(b, key.secret)) === 'UNAUTHENTICATED', 'the notification', 3000);
  });

  it('a key expires on time although cached', async () => {
    // generous: creating the key may take seconds on a loaded machine
    const expiresAt = new Date(Date.now() + 10_000).toISOString();
    const key = await newKey(`, expiresAt: "${expiresAt}"`);
    expect(await code(a, key.secret)).toBe('OK');
    await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 100);
    expect(await code(a, key.secret)).toBe('UNAUTHENTICATED');
  });

  it('forgets everything when its LISTEN connection is lost', async () => {
    const key = await newKey();
    expect(await code(a, key.secret)).toBe('OK');
    expect(a.services.credentials.size).toBeGreaterThan(0);
    await a.database.executeSql(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'LISTEN%'",
    );
    await waitFor(() => a.services.credentials.size === 0, 'the cache to empty', 3000);
    // and caches again once it listens again
    await sleep(1000);
    expect(await code(a, key.secret)).toBe('OK');
  });
});

describe('a short TTL bounds changes made outside the API', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'postgres', env: { ANTIDOTE_AUTH_CACHE_SECONDS: '1' } });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('a session deleted by SQL is refused within the TTL', async () => {
    const member = await gw.signUp('ttl', 'viewer');
    expect((await gw.gql(member.token, PROBE)).errors).toBeUndefined();
    await gw.database.asService((tx) => tx.delete(schema.sessions).where(eq(schema.sessions.userId, member.userId)));
    await sleep(1100);
    expect((await gw.gql(member.token, PROBE)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
