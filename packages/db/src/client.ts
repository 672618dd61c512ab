/**
 * One way to open the database: embedded PGlite (a data folder, or memory) when no URL is given,
 * node-postgres otherwise. Both run the same committed migrations, and request work goes through
 * `withTenant`, which drops to the RLS-bound role so a resolver bug cannot read another tenant.
 */
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { drizzle as drizzleNodePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite, type PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
export type AppDatabase = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export interface SqlResult {
  rows: Record<string, unknown>[];
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /** Connections that can run transactions at once (PGlite: one). */
  readonly poolSize: number;
  /** The owner connection: migrations, tests and tooling only. Request code uses withTenant. */
  readonly db: AppDatabase;
  /** Runs `fn` in a transaction as `antidote_app` with `app.tenant_id` set locally. */
  withTenant<T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs `fn` in a transaction as `antidote_service` (bypasses RLS): sign-in, schedulers. */
  asService<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Raw SQL on the owner connection; the adapter pg-boss runs on. */
  executeSql(text: string, values?: unknown[]): Promise<SqlResult>;
  /**
   * LISTEN; the callback gets each NOTIFY payload. `onGap` runs when the listening connection was
   * lost and re-established, so notifications sent in between may be missing (a cache that relies
   * on them must forget what it holds). Returns the unsubscribe function.
   */
  listen(channel: string, onPayload: (payload: string) => void, onGap?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres:// URL; without it the embedded PGlite is used. */
  url?: string | undefined;
  /** PGlite data folder; without it (and without url) the database lives in memory. */
  dataDir?: string | undefined;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /** node-postgres pool size. */
  poolSize?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHANNEL = /^[a-z_][a-z0-9_]*$/;
export const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

/** Roles must exist before the migrations that grant to them; concurrent openers may race. */
const ENSURE_ROLES = `DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'antidote_app') THEN
    BEGIN CREATE ROLE antidote_app NOLOGIN NOBYPASSRLS; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'antidote_service') THEN
    BEGIN CREATE ROLE antidote_service NOLOGIN BYPASSRLS; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  END IF;
END $$`;

export function assertTenantId(tenantId: string): void {
  if (!UUID.test(tenantId)) throw new TypeError(`Not a tenant id: ${JSON.stringify(tenantId)}`);
}

function scoped(db: AppDatabase) {
  return {
    async withTenant<T>(tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
      assertTenantId(tenantId);
      return db.transaction(async (tx) => {
        await tx.execute(sql`set local role antidote_app`);
        await tx.execute(sql`select set_config('app.tenant_id', ${tenantId}, true)`);
        return fn(tx);
      });
    },
    asService<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return db.transaction(async (tx) => {
        await tx.execute(sql`set local role antidote_service`);
        return fn(tx);
      });
    },
  };
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  return options.url ? openPostgres(options.url, options) : openPglite(options);
}

async function openPglite(options: OpenDatabaseOptions): Promise<Database> {
  const client = await PGlite.create(options.dataDir ?? 'memory://');
  const db: PgliteDatabase<Schema> = drizzlePglite({ client, schema, casing: 'snake_case' });
  if (options.migrate !== false) {
    await client.exec(ENSURE_ROLES);
    await migratePglite(db, { migrationsFolder });
  }
  return {
    kind: 'pglite',
    poolSize: 1,
    db: db as unknown as AppDatabase,
    ...scoped(db as unknown as AppDatabase),
    async executeSql(text, values) {
      if (values && values.length > 0) return (await client.query(text, values)) as SqlResult;
      // pg-boss sends multi-statement scripts without parameters: exec runs them all
      const results = await client.exec(text);
      return (results.at(-1) ?? { rows: [] }) as SqlResult;
    },
    // one process, no connection to lose: onGap never runs
    async listen(channel, onPayload) {
      if (!CHANNEL.test(channel)) throw new TypeError(`Bad channel name ${channel}`);
      const unlisten = await client.listen(channel, onPayload);
      return async () => {
        await unlisten();
      };
    },
    async close() {
      await client.close();
    },
  };
}

/** Named statements one connection keeps at most; queries beyond it run unnamed (parsed each time). */
const MAX_PREPARED_PER_CONNECTION = 200;

type QueryConfig = { text: string; name?: string; values?: unknown[] } & Record<string, unknown>;

/**
 * A drizzle handle on one pooled connection whose parameterised queries run as named (prepared)
 * statements: the server parses and plans each distinct query text once per connection instead
 * of on every request. Built once per connection and kept with it.
 */
function preparingHandles() {
  const handles = new WeakMap<pg.PoolClient, AppDatabase>();
  return (client: pg.PoolClient): AppDatabase => {
    const known = handles.get(client);
    if (known) return known;
    const names = new Map<string, string>();
    // callers sharing one transaction may query at once: one at a time, in order (pg 9 stops queueing)
    let tail: Promise<unknown> = Promise.resolve();
    const query = (config: unknown, values?: unknown) => {
      const run = () => send(config, values);
      const next = tail.then(run, run);
      tail = next.catch(() => {});
      return next;
    };
    const send = (config: unknown, values?: unknown) => {
      if (config && typeof config === 'object' && 'text' in config && !('submit' in config)) {
        const c = config as QueryConfig;
        const params = (values as unknown[] | undefined) ?? c.values;
        if (!c.name && params && params.length > 0) {
          let name = names.get(c.text);
          if (!name && names.size < MAX_PREPARED_PER_CONNECTION) {
            name = `antidote_${names.size}`;
            names.set(c.text, name);
          }
          if (name) return client.query({ ...c, name } as never, values as never);
        }
      }
      return client.query(config as never, values as never);
    };
    // drizzle only calls query() on the client it is given
    const db = drizzleNodePg({ client: { query } as unknown as pg.PoolClient, schema, casing: 'snake_case' });
    handles.set(client, db as unknown as AppDatabase);
    return db as unknown as AppDatabase;
  };
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<Database> {
  const poolSize = options.poolSize ?? 10;
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // an idle client's error (server restart) must not crash the process: the pool replaces it
  pool.on('error', () => {});
  const db: NodePgDatabase<Schema> = drizzleNodePg({ client: pool, schema, casing: 'snake_case' });
  const handleOf = preparingHandles();
  /**
   * BEGIN and the role (and tenant) settings go in one simple-protocol round trip, then `fn` runs
   * on the connection, then COMMIT: two round trips of overhead where drizzle's transaction()
   * plus separate SETs took four. The inlined values are fixed role names and a checked UUID.
   */
  async function transaction<T>(setup: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(setup);
      // not a drizzle transaction object: nested tx.transaction() would not make a savepoint (nothing nests)
      const result = await fn(handleOf(client) as unknown as Tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      // a connection that could not roll back is closed, never handed to the next caller
      client.release(broken);
    }
  }
  // A runtime role (roles.ts) cannot migrate; it only has to find the schema up to date.
  if (options.migrate !== false && !(await migrationsApplied(pool))) {
    const client = await pool.connect();
    try {
      // several processes may start at once against one server: one migrates, the rest wait
      await client.query('select pg_advisory_lock(7226431)');
      await client.query(ENSURE_ROLES);
      await migrateNodePg(drizzleNodePg({ client, schema, casing: 'snake_case' }), { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock(7226431)').catch(() => {});
      client.release();
    }
  }
  const listeners = createPgListener(url);
  return {
    kind: 'postgres',
    poolSize,
    db: db as unknown as AppDatabase,
    async withTenant(tenantId, fn) {
      assertTenantId(tenantId);
      return transaction(`BEGIN; SET LOCAL ROLE antidote_app; SELECT set_config('app.tenant_id', '${tenantId}', true)`, fn);
    },
    async asService(fn) {
      return transaction('BEGIN; SET LOCAL ROLE antidote_service', fn);
    },
    async executeSql(text, values) {
      return (await pool.query(text, values as unknown[] | undefined)) as unknown as SqlResult;
    },
    listen: listeners.listen,
    async close() {
      await listeners.close();
      await pool.end();
    },
  };
}

/** True when the newest committed migration is recorded, so opening needs no DDL at all. */
async function migrationsApplied(pool: pg.Pool): Promise<boolean> {
  const newest = Math.max(...readMigrationFiles({ migrationsFolder }).map((m) => m.folderMillis));
  const table = await pool.query<{ found: string | null }>(`select to_regclass('drizzle.__drizzle_migrations')::text as found`);
  if (!table.rows[0]?.found) return false;
  const { rows } = await pool.query<{ last: string | null }>(
    'select max(created_at)::text as last from drizzle.__drizzle_migrations',
  );
  const last = rows[0]?.last;
  return last != null && Number(last) >= newest;
}

/** One dedicated connection carries every LISTEN; it reconnects and re-LISTENs after a drop. */
function createPgListener(url: string) {
  const handlers = new Map<string, Set<(payload: string) => void>>();
  const gapHandlers = new Set<() => void>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;
  const gap = () => {
    for (const handler of gapHandlers) handler();
  };

  const connect = (): Promise<pg.Client> => {
    if (client) return Promise.resolve(client);
    connecting ??= (async () => {
      const next = new pg.Client({ connectionString: url });
      next.on('notification', (message) => {
        for (const handler of handlers.get(message.channel) ?? []) handler(message.payload ?? '');
      });
      next.on('error', () => {
        client = undefined;
        connecting = undefined;
        next.end().catch(() => {});
        if (!closed && handlers.size > 0) {
          gap();
          setTimeout(() => void resubscribe(), 500);
        }
      });
      await next.connect();
      client = next;
      connecting = undefined;
      return next;
    })();
    return connecting;
  };
  const resubscribe = async () => {
    try {
      const c = await connect();
      for (const channel of handlers.keys()) await c.query(`LISTEN "${channel}"`);
      // whatever was sent while no connection listened is lost: say so once listening again
      gap();
    } catch {
      if (!closed) setTimeout(() => void resubscribe(), 1000);
    }
  };

  return {
    async listen(channel: string, onPayload: (payload: string) => void, onGap?: () => void) {
      if (!CHANNEL.test(channel)) throw new TypeError(`Bad channel name ${channel}`);
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await (await connect()).query(`LISTEN "${channel}"`);
      }
      set.add(onPayload);
      if (onGap) gapHandlers.add(onGap);
      return async () => {
        if (onGap) gapHandlers.delete(onGap);
        const current = handlers.get(channel);
        current?.delete(onPayload);
        if (current && current.size === 0) {
          handlers.delete(channel);
          await client?.query(`UNLISTEN "${channel}"`).catch(() => {});
        }
      };
    },
    async close() {
      closed = true;
      handlers.clear();
      gapHandlers.clear();
      await client?.end().catch(() => {});
    },
  };
}
