/**
 * A real gateway for tests: real database (PGlite or Postgres), real filesystem store, real
 * queue, on a loopback port. Helpers create tenants/users and call the API like a client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { schema } from '@antidote/db';
import { createTestDatabase, type TestBackend, type TestDatabase } from '@antidote/db/testing';
import { createArtifactStore } from '@antidote/storage';
import { createSession, hashPassword } from './auth.ts';
import type { GatewayServices } from './context.ts';
import { readGatewayEnv } from './env.ts';
import { startGateway } from './server.ts';
import { assembleServices, createLogger } from './services.ts';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface TestGateway {
  url: string;
  database: TestDatabase;
  services: GatewayServices;
  storageDir: string;
  /** Creates (or joins) a tenant and a member with this role; returns a signed-in session. */
  signUp(
    tenantSlug: string,
    role?: 'owner' | 'admin' | 'analyst' | 'viewer',
  ): Promise<{ token: string; tenantId: string; userId: string; email: string; password: string }>;
  gql<T = Record<string, unknown>>(
    token: string | null,
    query: string,
    variables?: Record<string, unknown>,
    tenant?: string,
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

let counter = 0;

export async function startTestGateway(options: {
  backend: TestBackend;
  env?: Record<string, string>;
  /** Another gateway's database: a second gateway process on the same data (the caller closes it). */
  database?: TestDatabase;
}): Promise<TestGateway> {
  const database = options.database ?? (await createTestDatabase(options.backend));
  const ownsDatabase = !options.database;
  const storageDir = mkdtempSync(join(tmpdir(), 'antidote-gw-'));
  // the cheapest scrypt the gateway accepts keeps sign-ups fast; a test may ask for the real cost
  const env = readGatewayEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ANTIDOTE_RATE_LIMIT: '100000',
    ANTIDOTE_SCRYPT_LOG2N: '14',
    ...options.env,
  });
  const log = createLogger(env.LOG_LEVEL, 'gateway-test');
  const services = await assembleServices(env, {
    database,
    store: createArtifactStore({ kind: 'filesystem', root: storageDir }),
    log,
  });
  const gateway = await startGateway(services, { host: '127.0.0.1', port: 0 });
  services.setPublicUrl(gateway.url);

  const tenants = new Map<string, string>();
  return {
    url: gateway.url,
    database,
    services,
    storageDir,
    async signUp(tenantSlug, role = 'owner') {
      let tenantId = tenants.get(tenantSlug);
      if (!tenantId) {
        const [tenant] = await database.asService((tx) =>
          tx.insert(schema.tenants).values({ slug: tenantSlug, name: tenantSlug.toUpperCase() }).returning(),
        );
        tenantId = tenant?.id ?? '';
        tenants.set(tenantSlug, tenantId);
      }
      counter += 1;
      const email = `${role}-${counter}-${tenantSlug}@example.test`;
      const password = `pw-${counter}-${Math.random().toString(36).slice(2)}`;
      const [user] = await database.asService(async (tx) =>
        tx
          .insert(schema.users)
          .values({ email, name: `${role} ${counter}`, passwordHash: await hashPassword(password, env.passwordPolicy) })
          .returning(),
      );
      const userId = user?.id ?? '';
      const tid = tenantId;
      await database.withTenant(tid, (tx) => tx.insert(schema.memberships).values({ tenantId: tid, userId, role }));
      const session = await createSession(database, email, password, env.passwordPolicy);
      return { token: session?.token ?? '', tenantId: tid, userId, email, password };
    },
    async gql(token, query, variables, tenant) {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(tenant ? { 'x-antidote-tenant': tenant } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<never>;
    },
    async close() {
      await gateway.close();
      await services.hub.close();
      await services.queue.stop(2000);
      if (ownsDatabase) await database.close();
      rmSync(storageDir, { recursive: true, force: true });
    },
  };
}
