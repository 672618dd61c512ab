/**
 * The login role gateways and workers connect as. It owns nothing: the tables, their policies,
 * `FORCE ROW LEVEL SECURITY` and the append-only triggers belong to the role that ran the
 * migrations, so a compromised gateway cannot switch them off, drop them or become their owner.
 * It may only become `antidote_app` (RLS-bound) or `antidote_service` (the BYPASSRLS role for
 * sign-in and schedulers), and use the queue's tables. PostgreSQL only: an embedded PGlite lives
 * inside the one process that holds its files, so a role there protects nothing.
 */
import pg from 'pg';
import type { Database } from './client.ts';

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Roles an attacker must not reach through the runtime role. */
const RESERVED = new Set(['antidote_app', 'antidote_service', 'postgres']);

export interface RuntimeRoleOptions {
  /** The login role to create or update (lower case letters, digits, underscores). */
  role: string;
  /** Its password; without it the role keeps its current one (or none, for trust/peer auth). */
  password?: string | undefined;
  /** Schemas whose tables the runtime reads and writes but does not own (the job queue's). */
  schemas?: readonly string[];
}

/**
 * Creates (or re-asserts) the runtime login role and its grants. Runs as the owner, after the
 * migrations and after the queue schema exists; it is idempotent, so every deployment may run it.
 */
export async function provisionRuntimeRole(database: Database, options: RuntimeRoleOptions): Promise<void> {
  if (database.kind !== 'postgres') throw new Error('A runtime role applies to PostgreSQL only (PGlite is embedded).');
  const { role } = options;
  if (!ROLE_NAME.test(role) || RESERVED.has(role)) throw new TypeError(`Not a usable runtime role name: ${JSON.stringify(role)}`);
  for (const schema of options.schemas ?? []) {
    if (!ROLE_NAME.test(schema)) throw new TypeError(`Not a schema name: ${JSON.stringify(schema)}`);
  }
  const owner = await database.executeSql('select current_user as name');
  if (owner.rows[0]?.name === role) throw new Error('The runtime role must not be the role that owns the tables.');

  const id = pg.escapeIdentifier(role);
  const attributes = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
  const statements = [
    // concurrent deployments (or test files) may race to create it
    `DO $$ BEGIN CREATE ROLE ${id} ${attributes}; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
    `ALTER ROLE ${id} WITH ${attributes}${options.password ? ` PASSWORD ${pg.escapeLiteral(options.password)}` : ''}`,
    `GRANT antidote_app, antidote_service TO ${id}`,
    // PostgreSQL before 15 lets every role create tables in public; the runtime must not
    'REVOKE CREATE ON SCHEMA public FROM PUBLIC',
    // to see at start that the migrations are applied (it cannot apply them)
    `GRANT USAGE ON SCHEMA drizzle TO ${id}`,
    `GRANT SELECT ON drizzle.__drizzle_migrations TO ${id}`,
  ];
  for (const schema of options.schemas ?? []) {
    const s = pg.escapeIdentifier(schema);
    statements.push(
      `GRANT USAGE ON SCHEMA ${s} TO ${id}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${id}`,
      `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${id}`,
      `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${s} TO ${id}`,
    );
  }
  for (const statement of statements) await database.executeSql(statement);
}
