/**
 * Real databases for tests, never mocks: a fresh in-memory PGlite, or a fresh database on the
 * local PostgreSQL server (dropped afterwards). Integration suites run against both.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from './client.ts';

export type TestBackend = 'pglite' | 'postgres';
export const TEST_BACKENDS: readonly TestBackend[] = ['pglite', 'postgres'];

/** The server that test databases are created on (CI starts it; trust auth on loopback). */
export function testServerUrl(): string {
  // biome-ignore lint/style/noProcessEnv: test infrastructure, not app configuration
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
