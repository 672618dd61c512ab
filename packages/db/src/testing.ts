/**
 * Real databases for tests, never mocks: a fresh in-memory PGlite, or a fresh database on the
 * local PostgreSQL server (dropped afterwards). Integration suites run against both.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from './client.ts';
import * as schema from './schema/index.ts';

export type TestBackend = 'pglite' | 'postgres';
export const TEST_BACKENDS: readonly TestBackend[] = ['pglite', 'postgres'];

/** The server that test databases are created on (CI starts it; trust auth on loopback). */
export function testServerUrl(): string {
  return process.env.ANTIDOTE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface TestDatabase extends Database {
  /** The URL other processes can connect to (postgres only). */
  readonly url: string | undefined;
}

export async function createTestDatabase(backend: TestBackend, options: { poolSize?: number } = {}): Promise<TestDatabase> {
  if (backend === 'pglite') {
    const database = await openDatabase({});
    return Object.assign(database, { url: undefined });
  }
  const serverUrl = testServerUrl();
  const name = `antidote_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolSize: options.poolSize ?? 5 });
  const close = database.close.bind(database);
  return Object.assign(database, {
    url: url.toString(),
    async close() {
      await close();
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  });
}

export interface SeededTenant {
  tenantId: string;
  userId: string;
  modelId: string;
  modelVersionId: string;
  datasetId: string;
}

/** A tenant with one member, one model version and one dataset (rows only; no artifact bytes). */
export async function seedTenant(database: Database, slug: string): Promise<SeededTenant> {
  const { tenants, users, memberships, models, modelVersions, datasets } = schema;
  const [tenant] = await database.asService((tx) => tx.insert(tenants).values({ slug, name: slug.toUpperCase() }).returning());
  if (!tenant) throw new Error('seed: no tenant');
  const [user] = await database.asService((tx) =>
    tx
      .insert(users)
      .values({ email: `${slug}-${randomBytes(3).toString('hex')}@example.test`, name: slug })
      .returning(),
  );
  if (!user) throw new Error('seed: no user');
  return database.withTenant(tenant.id, async (tx) => {
    await tx.insert(memberships).values({ tenantId: tenant.id, userId: user.id, role: 'owner' });
    const [model] = await tx
      .insert(models)
      .values({ tenantId: tenant.id, name: `${slug}-model` })
      .returning();
    if (!model) throw new Error('seed: no model');
    const sha = randomBytes(32).toString('hex');
    const [version] = await tx
      .insert(modelVersions)
      .values({
        tenantId: tenant.id,
        modelId: model.id,
        version: 1,
        artifactSha256: sha,
        format: 'tfjs-layers',
        inputShape: [28, 28, 1],
        numClasses: 10,
        paramCount: 1000,
      })
      .returning();
    const [dataset] = await tx
      .insert(datasets)
      .values({
        tenantId: tenant.id,
        name: `${slug}-trusted`,
        artifactSha256: sha,
        format: 'idx',
        count: 600,
        numClasses: 10,
        imageShape: [28, 28, 1],
        classHistogram: Array.from({ length: 10 }, () => 60),
      })
      .returning();
    if (!version || !dataset) throw new Error('seed: no version/dataset');
    return { tenantId: tenant.id, userId: user.id, modelId: model.id, modelVersionId: version.id, datasetId: dataset.id };
  });
}
