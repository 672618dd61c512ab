/**
 * Attacks on sign-in (issue 20, hole 5): guessing one account's password across gateway
 * processes, dodging the limiter with a fresh junk bearer per request, and password hashes at a
 * cost below OWASP's (N=2^17) that are never upgraded.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { schema } from '@antidote/db';
import { assembleServices, createLogger, readGatewayEnv, startGateway } from '@antidote/gateway';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SIGN_IN = 'mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { token userErrors { code } } }';

async function signIn(url: string, email: string, password: string): Promise<{ token: string | null; code?: string }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: SIGN_IN, variables: { e: email, p: password } }),
  });
  const body = (await response.json()) as {
    data?: { signIn: { token: string | null; userErrors: { code: string }[] } };
    errors?: { extensions?: { code?: string } }[];
  };
  return {
    token: body.data?.signIn.token ?? null,
    code: body.data?.signIn.userErrors[0]?.code ?? body.errors?.[0]?.extensions?.code,
  };
}

describe('sign-in throttling', () => {
  let gw: TestGateway;
  let second: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite' });
    // a second gateway process on the same database (its own memory, its own limiter)
    const env = readGatewayEnv({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      ANTIDOTE_RATE_LIMIT: '100000',
      ANTIDOTE_SCRYPT_LOG2N: '14',
    });
    const services = await assembleServices(env, {
      database: gw.database,
      store: gw.services.store,
      log: createLogger('silent', 'second'),
      queue: gw.services.queue,
    });
    const started = await startGateway(services, { host: '127.0.0.1', port: 0 });
    services.setPublicUrl(started.url);
    second = { url: started.url, close: () => started.close() };
  });
  afterAll(async () => {
    await second?.close();
    await gw?.close();
  });

  it('locks an account after a few wrong passwords spread over two gateways, even for the right one', async () => {
    const victim = await gw.signUp('throttle', 'owner');
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 6; i++) codes.push((await signIn(i % 2 === 0 ? gw.url : second.url, victim.email, `guess-${i}`)).code);
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('UNAUTHENTICATED'));
    const right = await signIn(second.url, victim.email, victim.password);
    expect(right.token).toBeNull();
    expect(right.code).toBe('RATE_LIMITED');
    // another account from elsewhere is not affected by this account's lock
    const other = await gw.signUp('throttle', 'viewer');
    await gw.database.asService((tx) => tx.delete(schema.signInThrottle).where(eq(schema.signInThrottle.key, 'ip:127.0.0.1')));
    expect((await signIn(gw.url, other.email, other.password)).token).toMatch(/^st_/);
  });

  it('a fresh junk bearer per request still runs into the per-address limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const response = await fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ak_${randomBytes(12).toString('hex')}` },
        body: JSON.stringify({ query: '{ me { role } }' }),
      });
      statuses.push(response.status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  });
});

describe('behind a reverse proxy', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite', env: { ANTIDOTE_CLIENT_IP_HEADER: 'x-real-ip' } });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("one client's junk bearers do not lock out another client behind the same proxy", async () => {
    const junk = (ip: string) =>
      fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-real-ip': ip,
          authorization: `Bearer ak_${randomBytes(12).toString('hex')}`,
        },
        body: JSON.stringify({ query: '{ me { role } }' }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await junk('198.51.100.7')).status);
    expect(statuses).toContain(429);
    const user = await gw.signUp('proxied', 'viewer');
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-real-ip': '203.0.113.9' },
      body: JSON.stringify({ query: SIGN_IN, variables: { e: user.email, p: user.password } }),
    });
    const body = (await response.json()) as { data?: { signIn: { token: string | null } } };
    expect(body.data?.signIn.token).toMatch(/^st_/);
  });
});

describe('password hashing', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite', env: { ANTIDOTE_SCRYPT_LOG2N: '17' } });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('stores scrypt parameters beside the hash and upgrades a weak hash at sign-in', async () => {
    const user = await gw.signUp('hashing', 'owner');
    // the hash format written before: scrypt$salt$hash at N=2^14
    const salt = randomBytes(16);
    const legacy = `scrypt$${salt.toString('base64')}$${scryptSync(user.password, salt, 32).toString('base64')}`;
    await gw.database.asService((tx) =>
      tx.update(schema.users).set({ passwordHash: legacy }).where(eq(schema.users.id, user.userId)),
    );
    expect((await signIn(gw.url, user.email, user.password)).token).toMatch(/^st_/);
    const [row] = await gw.database.asService((tx) =>
      tx.select({ hash: schema.users.passwordHash }).from(schema.users).where(eq(schema.users.id, user.userId)),
    );
    expect(row?.hash).toMatch(/^scrypt\$ln=17,r=8,p=1\$/);
    // and the upgraded hash still signs in
    expect((await signIn(gw.url, user.email, user.password)).token).toMatch(/^st_/);
  });
});
