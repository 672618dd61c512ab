import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './testing.ts';

describe('gateway basics (PGlite)', () => {
  let gw: TestGateway;
  let owner: Awaited<ReturnType<TestGateway['signUp']>>;

  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite' });
    owner = await gw.signUp('acme', 'owner');
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('signs in with a password and answers me', async () => {
    const signIn = await gw.gql<{ signIn: { token: string | null; userErrors: { code: string }[] } }>(
      null,
      'mutation($i: SignInInput!) { signIn(input: $i) { token userErrors { code message } } }',
      { i: { email: owner.email, password: owner.password } },
    );
    expect(signIn.data?.signIn.userErrors).toEqual([]);
    const token = signIn.data?.signIn.token ?? '';
    const me = await gw.gql<{ me: { role: string; tenant: { slug: string }; authKind: string } }>(
      token,
      '{ me { role authKind tenant { slug } } }',
    );
    expect(me.data?.me).toEqual({ role: 'OWNER', authKind: 'SESSION', tenant: { slug: 'acme' } });
    const wrong = await gw.gql<{ signIn: { token: string | null; userErrors: { code: string }[] } }>(
      null,
      'mutation($i: SignInInput!) { signIn(input: $i) { token userErrors { code } } }',
      { i: { email: owner.email, password: 'nope' } },
    );
    expect(wrong.data?.signIn).toEqual({ token: null, userErrors: [{ code: 'UNAUTHENTICATED' }] });
  });

  it('rejects anonymous and forged callers with stable codes', async () => {
    const anonymous = await gw.gql(null, '{ models { totalCount } }');
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const forged = await gw.gql('st_forged', '{ models { totalCount } }');
    expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('issues an API key once, authenticates with it, and stops after revocation', async () => {
    const created = await gw.gql<{ createApiKey: { secret: string; apiKey: { id: string; prefix: string; role: string } } }>(
      owner.token,
      'mutation { createApiKey(input: { name: "ci", role: ANALYST }) { secret apiKey { id prefix role } userErrors { code } } }',
    );
    const { secret, apiKey } = created.data?.createApiKey ?? { secret: '', apiKey: { id: '', prefix: '', role: '' } };
    expect(secret.startsWith(apiKey.prefix)).toBe(true);
    const me = await gw.gql<{ me: { authKind: string; role: string; user: null } }>(
      secret,
      '{ me { authKind role user { id } } }',
    );
    expect(me.data?.me).toEqual({ authKind: 'API_KEY', role: 'ANALYST', user: null });
    const listed = await gw.gql<{ apiKeys: { edges: { node: Record<string, unknown> }[] } }>(
      owner.token,
      '{ apiKeys { edges { node { prefix } } } }',
    );
    expect(JSON.stringify(listed)).not.toContain(secret);
    await gw.gql(owner.token, 'mutation($id: ID!) { revokeApiKey(input: { id: $id }) { userErrors { code } } }', {
      id: apiKey.id,
    });
    const after = await gw.gql(secret, '{ me { role } }');
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('enforces roles: a viewer cannot create keys or uploads', async () => {
    const viewer = await gw.signUp('acme', 'viewer');
    const key = await gw.gql<{ createApiKey: { userErrors: { code: string }[] } }>(
      viewer.token,
      'mutation { createApiKey(input: { name: "x", role: VIEWER }) { userErrors { code } } }',
    );
    expect(key.data?.createApiKey.userErrors).toEqual([{ code: 'FORBIDDEN' }]);
    const upload = await gw.gql<{ createUpload: { userErrors: { code: string }[] } }>(
      viewer.token,
      'mutation { createUpload(input: { purpose: MODEL, filename: "m.zip", sizeBytes: 10 }) { userErrors { code } } }',
    );
    expect(upload.data?.createUpload.userErrors).toEqual([{ code: 'FORBIDDEN' }]);
  });

  it('streams uploads with a size cap and turns bad model bytes into userErrors', async () => {
    const create = await gw.gql<{ createUpload: { upload: { id: string; url: string } } }>(
      owner.token,
      'mutation { createUpload(input: { purpose: MODEL, filename: "m.zip", sizeBytes: 64 }) { upload { id url } userErrors { code } } }',
    );
    const { id, url } = create.data?.createUpload.upload ?? { id: '', url: '' };
    const tooBig = await fetch(url, { method: 'PUT', body: new Uint8Array(1000) });
    expect(tooBig.status).toBe(413);
    const ok = await fetch(url, { method: 'PUT', body: new TextEncoder().encode('definitely not a zip archive') });
    expect(ok.status).toBe(200);
    const register = await gw.gql<{ registerModel: { model: null; userErrors: { code: string; field: string[] }[] } }>(
      owner.token,
      'mutation($u: ID!) { registerModel(input: { name: "m", uploadId: $u }) { model { id } userErrors { code field } } }',
      { u: id },
    );
    expect(register.data?.registerModel.model).toBeNull();
    expect(register.data?.registerModel.userErrors[0]?.code).toBe('UNSUPPORTED_FORMAT');
    const reused = await fetch(url, { method: 'PUT', body: new Uint8Array(3) });
    expect(reused.status).toBe(404);
    const oversized = await gw.gql<{ createUpload: { userErrors: { code: string }[] } }>(
      owner.token,
      'mutation { createUpload(input: { purpose: MODEL, filename: "m.zip", sizeBytes: 2000000000 }) { userErrors { code } } }',
    );
    expect(oversized.data?.createUpload.userErrors[0]?.code).toBe('TOO_LARGE');
  });

  it('limits query depth and aliases', async () => {
    const deep = await gw.gql(
      owner.token,
      '{ models { edges { node { latestVersion { model { latestVersion { model { latestVersion { model { latestVersion { model { id } } } } } } } } } } } }',
    );
    expect(deep.errors?.[0]?.message).toMatch(/depth/i);
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: me { role }`).join(' ');
    const many = await gw.gql(owner.token, `{ ${aliases} }`);
    expect(many.errors?.[0]?.message).toMatch(/alias/i);
  });

  it('marks GraphQL answers uncacheable, refusals included', async () => {
    const post = (authorization: string, query: string) =>
      fetch(`${gw.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ query }),
      });
    const answered = await post(`Bearer ${owner.token}`, '{ models { totalCount } }');
    expect(answered.status).toBe(200);
    expect(answered.headers.get('cache-control')).toBe('no-store');
    expect(answered.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(answered.headers.get('content-length'))).toBe(Buffer.byteLength(await answered.text()));
    const invalid = await post(`Bearer ${owner.token}`, '{ models { noSuchField } }');
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('cache-control')).toBe('no-store');
  });

  it('answers health and readiness', async () => {
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${gw.url}/readyz`)).json()).toMatchObject({ ok: true, database: 'pglite' });
  });
});
