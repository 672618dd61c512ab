/**
 * Issue 20, item 9: the app's connection owned the tables, so whoever took over a gateway could
 * switch row-level security off, drop the audit trail's append-only trigger or drop tables. Now
 * gateways and workers log in as a runtime role (provisionRuntimeRole) that owns nothing; the
 * owner only migrates. Real PostgreSQL: PGlite is embedded in the one process that holds its
 * files, where a role protects nothing (docs/security.md).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Database, openDatabase, provisionRuntimeRole, schema } from '@antidote/db';
import { createTestDatabase, seedTenant, type TestDatabase } from '@antidote/db/testing';
import { JobQueue, QUEUE_SCHEMA } from '@antidote/jobs';
import { eq } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Statements a compromised process would run to get rid of isolation or the audit trail. */
const ATTACKS = [
  'ALTER TABLE jobs DISABLE ROW LEVEL SECURITY',
  'ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY',
  'DROP POLICY jobs_tenant_isolation ON jobs',
  'DROP TRIGGER audit_log_append_only ON audit_log',
  'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only',
  `CREATE OR REPLACE FUNCTION reject_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
  'DROP TABLE audit_log',
  'DROP TABLE tenants CASCADE',
  'TRUNCATE jobs CASCADE',
  'ALTER TABLE audit_log OWNER TO CURRENT_USER',
  // replica mode skips ordinary triggers, the append-only ones included
  'SET session_replication_role = replica',
  'CREATE TABLE public.attacker_table (x int)',
  'ALTER ROLE CURRENT_USER BYPASSRLS',
  'CREATE ROLE attacker_role SUPERUSER',
  'SET ROLE postgres',
  'DROP TABLE pgboss.job',
];

describe('runtime database role (real PostgreSQL)', () => {
  let owner: TestDatabase;
  let runtime: Database;
  let runtimeUrl: string;
  const role = `antidote_rt_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    owner = await createTestDatabase('postgres');
    await JobQueue.install(owner);
    await provisionRuntimeRole(owner, { role, schemas: [QUEUE_SCHEMA] });
    const url = new URL(owner.url ?? '');
    url.username = role;
    url.password = '';
    runtimeUrl = url.toString();
    // opening as the runtime role must not try to migrate (it could not)
    runtime = await openDatabase({ url: runtimeUrl, poolSize: 2 });
  });

  afterAll(async () => {
    await runtime?.close();
    await owner?.close();
    // the database (and every grant in it) is gone; the cluster-wide role can go too
    const admin = new pg.Client({ connectionString: new URL('/postgres', owner.url ?? '').toString() });
    await admin.connect();
    await admin.query(`drop role if exists ${role}`).finally(() => admin.end());
  });

  it('connects as a role that is neither superuser nor owner of anything', async () => {
    const { rows } = await runtime.executeSql(
      `select current_user as me, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb,
         (select count(*)::int from pg_class c where c.relowner = r.oid) as owned,
         (select count(*)::int from pg_proc p where p.proowner = r.oid) as functions,
         (select count(*)::int from pg_namespace n where n.nspowner = r.oid) as schemas
       from pg_roles r where r.rolname = current_user`,
    );
    expect(rows[0]).toEqual({
      me: role,
      rolsuper: false,
      rolbypassrls: false,
      rolcreaterole: false,
      rolcreatedb: false,
      owned: 0,
      functions: 0,
      schemas: 0,
    });
  });

  it('still does the app work: tenant-scoped and service transactions, the job queue', async () => {
    const seeded = await seedTenant(runtime, `rt-${randomBytes(3).toString('hex')}`);
    const models = await runtime.withTenant(seeded.tenantId, (tx) => tx.select().from(schema.models));
    expect(models.map((m) => m.id)).toEqual([seeded.modelId]);

    const [job] = await runtime.withTenant(seeded.tenantId, (tx) =>
      tx
        .insert(schema.jobs)
        .values({ tenantId: seeded.tenantId, kind: 'scan', params: {}, modelVersionId: seeded.modelVersionId })
        .returning(),
    );
    if (!job) throw new Error('no job row');
    const queue = await JobQueue.start(runtime, { pollingIntervalSeconds: 0.5 });
    try {
      expect(await queue.enqueue(job)).toBe(true);
      const delivered = new Promise<string>((resolve) => {
        void queue.work(1, async (message) => resolve(message.jobId));
      });
      expect(await delivered).toBe(job.id);
    } finally {
      await queue.stop(2000);
    }
    // the append-only trigger still runs for the runtime role
    await runtime.withTenant(seeded.tenantId, (tx) =>
      tx.insert(schema.auditLog).values({ tenantId: seeded.tenantId, actor: 'test', action: 'probe', target: 'x', details: {} }),
    );
    await expect(
      runtime.asService((tx) =>
        tx.update(schema.auditLog).set({ action: 'rewritten' }).where(eq(schema.auditLog.tenantId, seeded.tenantId)),
      ),
    ).rejects.toMatchObject({ cause: { code: '42501' } });
  });

  it.each(ATTACKS)('refuses %s', async (statement) => {
    // the same statement as the login role and as each role it may SET ROLE to
    for (const as of [null, 'antidote_app', 'antidote_service']) {
      const client = new pg.Client({ connectionString: runtimeUrl });
      await client.connect();
      try {
        await client.query('begin');
        if (as) await client.query(`set local role ${as}`);
        const error = await client.query(statement).then(
          () => null,
          (e: { code?: string }) => e,
        );
        await client.query('rollback');
        expect(error, `${statement} as ${as ?? role}`).toMatchObject({ code: '42501' });
      } finally {
        await client.end();
      }
    }
  });

  it('the owner connection could run every one of them (so the refusals are the role, not the SQL)', async () => {
    const client = new pg.Client({ connectionString: owner.url });
    await client.connect();
    try {
      const passed: string[] = [];
      for (const statement of ATTACKS) {
        if (statement.startsWith('SET ROLE') || statement.includes('attacker_role')) continue;
        await client.query('begin');
        await client.query(statement);
        await client.query('rollback');
        passed.push(statement);
      }
      expect(passed.length).toBe(ATTACKS.length - 2);
    } finally {
      await client.end();
    }
  });

  it('leaves RLS, FORCE and the append-only triggers in place', async () => {
    const { rows } = await owner.executeSql(
      `select c.relrowsecurity, c.relforcerowsecurity,
         (select count(*)::int from pg_trigger t where t.tgrelid = c.oid and t.tgname like 'audit_log_%' and t.tgenabled = 'O') as triggers
       from pg_class c where c.oid = 'audit_log'::regclass`,
    );
    expect(rows[0]).toEqual({ relrowsecurity: true, relforcerowsecurity: true, triggers: 3 });
  });
});

/** The blocks of a compose file's services, by name (two-space indented keys under `services:`). */
function composeServices(text: string): Map<string, string> {
  const services = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const name = /^ {2}([a-z][a-z0-9-]*):\s*$/.exec(line)?.[1];
    if (name) current = name;
    else if (/^\S/.test(line)) current = undefined;
    if (current) services.set(current, `${services.get(current) ?? ''}${line}\n`);
  }
  return services;
}

describe('deployment files connect the app as the runtime role', () => {
  const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

  it('compose: only postgres and the migrate step see the owner password', () => {
    const services = composeServices(read('infra/docker/compose.yaml'));
    expect([...services.keys()]).toEqual(expect.arrayContaining(['postgres', 'migrate', 'gateway', 'worker']));
    const withOwner = [...services].filter(([, block]) => block.includes('POSTGRES_PASSWORD')).map(([name]) => name);
    expect(withOwner.sort()).toEqual(['migrate', 'postgres']);
    expect(services.get('gateway')).toMatch(/DATABASE_URL: postgres:\/\/antidote_runtime:/);
    // the worker inherits the gateway's environment
    expect(services.get('worker')).toMatch(/<<: \*env/);
    expect(services.get('gateway')).toMatch(/migrate: \{ condition: service_completed_successfully \}/);
  });

  it('kubernetes: only the migration Job reads the owner Secret', () => {
    const documents = read('infra/k8s/antidote.yaml').split(/^---$/m);
    const readers = documents.filter((d) => d.includes('secretRef: { name: antidote-migrate }'));
    expect(readers).toHaveLength(1);
    expect(readers[0]).toMatch(/kind: Job/);
    expect(readers[0]).toMatch(/migrate\.mjs/);
  });
});
