import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './testing.ts';

/** A real (tiny) OpenID provider on loopback: discovery document, JWKS, RS256-signed id_tokens. */
function startIssuer() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let issuer = '';
  const hits = { jwks: 0 };
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/jwks') hits.jwks += 1;
    if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    else if (req.url === '/jwks')
      res.end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] }));
    else res.writeHead(404).end('{}');
  });
  return new Promise<{ issuer: string; server: Server; privateKey: KeyObject; hits: { jwks: number } }>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve({ issuer, server, privateKey, hits });
    }),
  );
}

function idToken(key: KeyObject, claims: Record<string, unknown>, kid = 'k1') {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode(claims)}`;
  return `${body}.${sign('sha256', Buffer.from(body), key).toString('base64url')}`;
}

const MUTATION =
  'mutation($t: String!) { signInWithOidc(input: { idToken: $t }) { token user { email } userErrors { code message } } }';

describe('single sign-on with an OIDC id_token', () => {
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  let gw: TestGateway;
  let email: string;

  beforeAll(async () => {
    issuer = await startIssuer();
    gw = await startTestGateway({ backend: 'pglite', env: { OIDC_ISSUER: issuer.issuer, OIDC_CLIENT_ID: 'dashboard' } });
    email = (await gw.signUp('sso', 'analyst')).email;
  });
  afterAll(async () => {
    await gw?.close();
    issuer?.server.close();
  });

  const claims = () => ({
    iss: issuer.issuer,
    aud: 'dashboard',
    exp: Math.floor(Date.now() / 1000) + 300,
    iat: Math.floor(Date.now() / 1000),
    email,
    email_verified: true,
  });
  type Result = { signInWithOidc: { token: string | null; userErrors: { code: string; message: string }[] } };

  it('exchanges a valid token of a known user for a working session', async () => {
    const result = await gw.gql<Result>(null, MUTATION, { t: idToken(issuer.privateKey, claims()) });
    expect(result.data?.signInWithOidc.userErrors).toEqual([]);
    const me = await gw.gql<{ me: { role: string } }>(result.data?.signInWithOidc.token ?? '', '{ me { role } }');
    expect(me.data?.me.role).toBe('ANALYST');
  });

  it.each([
    ['another audience', () => ({ ...claims(), aud: 'someone-else' })],
    ['another issuer', () => ({ ...claims(), iss: 'https://evil.example' })],
    ['an expired token', () => ({ ...claims(), exp: Math.floor(Date.now() / 1000) - 3600 })],
    ['an unverified email', () => ({ ...claims(), email_verified: false })],
    ['an unknown user', () => ({ ...claims(), email: 'stranger@example.test' })],
    ['a token without iat', () => ({ ...claims(), iat: undefined })],
    ['a token issued in the future', () => ({ ...claims(), iat: Math.floor(Date.now() / 1000) + 3600 })],
    ['a token issued long ago (replay)', () => ({ ...claims(), iat: Math.floor(Date.now() / 1000) - 3600 })],
    ['a token authorised for another party', () => ({ ...claims(), azp: 'someone-else' })],
    ['several audiences without azp', () => ({ ...claims(), aud: ['dashboard', 'other'] })],
  ])('refuses %s', async (_name, make) => {
    const result = await gw.gql<Result>(null, MUTATION, { t: idToken(issuer.privateKey, make()) });
    expect(result.data?.signInWithOidc.token).toBeNull();
    expect(result.data?.signInWithOidc.userErrors[0]?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a token signed by another key', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const result = await gw.gql<Result>(null, MUTATION, { t: idToken(privateKey, claims()) });
    expect(result.data?.signInWithOidc.userErrors[0]?.message).toMatch(/signature/);
  });

  it('fetches the keys again at most once a minute for unknown kids', async () => {
    const before = issuer.hits.jwks;
    for (let i = 0; i < 5; i++) await gw.gql<Result>(null, MUTATION, { t: idToken(issuer.privateKey, claims(), `unknown-${i}`) });
    expect(issuer.hits.jwks - before).toBeLessThanOrEqual(1);
  });
});
