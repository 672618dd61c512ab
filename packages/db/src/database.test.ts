import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, verifyAuditChain } from './audit.ts';
import { postgresError } from './errors.ts';
import { apiKeys, auditLog, jobEvents, jobs, models, modelVersions, tenants, users } from './schema/index.ts';
import { createTestDatabase, TEST_BACKENDS, type TestDatabase } from './testing.ts';

/** The Postgres message under drizzle's wrapper, so assertions name the database's reason. */
async function failure(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    return postgresError(error)?.message ?? String(error);
  }
  return 'no error';
}

describe.each(TEST_BACKENDS)('database on %s', (backend) => {
  let database: TestDatabase;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    const created = await database.asService((tx) =>
      tx
        .insert(tenants)
        .values([
          { slug: 'a', name: 'A' },
          { slug: 'b', name: 'B' },
        ])
        .returning(),
    );
    tenantA = created[0]?.id ?? '';
    tenantB = created[1]?.id ?? '';
    await database.withTenant(tenantA, (tx) => tx.insert(models).values({ tenantId: tenantA, name: 'secret-model' }));
  });
  afterAll(async () => {
    await database?.close();
  });

  it('lets a tenant read its own rows', async () => {
    const rows = await database.withTenant(tenantA, (tx) => tx.select().from(models));
    expect(rows.map((r) => r.name)).toEqual(['secret-model']);
  });

  it('hides other tenants even when the query has no tenant filter (RLS alone)', async () => {
    const rows = await database.withTenant(tenantB, (tx) => tx.select().from(models));
    expect(rows).toEqual([]);
    const visibleTenants = await database.withTenant(tenantB, (tx) => tx.select().from(tenants));
    expect(visibleTenants.map((t) => t.slug)).toEqual(['b']);
    const updated = await database.withTenant(tenantB, (tx) =>
      tx.update(models).set({ name: 'stolen' }).where(eq(models.name, 'secret-model')).returning(),
    );
    expect(updated).toEqual([]);
    const deleted = await database.withTenant(tenantB, (tx) => tx.delete(models).returning());
    expect(deleted).toEqual([]);
  });

  it('rejects writing a row into another tenant', async () => {
    expect(
      await failure(database.withTenant(tenantB, (tx) => tx.insert(models).values({ tenantId: tenantA, name: 'planted' }))),
    ).toMatch(/row-level security/);
  });

  it('fails closed outside a tenant transaction and keeps the app role away from identity tables', async () => {
    const rows = await database.db.transaction(async (tx) => {
      await tx.execute(sql`set local role antidote_app`);
      return tx.select().from(models);
    });
    expect(rows).toEqual([]);
    expect(await failure(database.withTenant(tenantA, (tx) => tx.select({ hash: users.passwordHash }).from(users)))).toMatch(
      /permission denied/,
    );
    expect(await failure(database.withTenant('not-a-uuid', async () => 1))).toMatch(/tenant id/);
  });

  it('the app role is not the owner and cannot bypass RLS', async () => {
    const result = await database.executeSql("select rolbypassrls, rolsuper from pg_roles where rolname = 'antidote_app'");
    expect(result.rows[0]).toMatchObject({ rolbypassrls: false, rolsuper: false });
    const forced = await database.executeSql(
      "select count(*)::int as n from pg_class where relname in ('models','jobs','audit_log','api_keys') and relforcerowsecurity and relrowsecurity",
    );
    expect(forced.rows[0]).toMatchObject({ n: 4 });
    const owners = await database.executeSql(
      "select count(*)::int as n from pg_tables where schemaname = 'public' and tableowner in ('antidote_app','antidote_service')",
    );
    expect(owners.rows[0]).toMatchObject({ n: 0 });
  });

  it('chains the audit log per tenant and detects tampering', async () => {
    await database.withTenant(tenantA, async (tx) => {
      await appendAudit(tx, { tenantId: tenantA, actor: 'user:1', action: 'model.register', details: { name: 'm', n: 1 } });
      await appendAudit(tx, { tenantId: tenantA, actor: 'user:1', action: 'job.start', target: 'job:1' });
    });
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        database.withTenant(tenantA, (tx) => appendAudit(tx, { tenantId: tenantA, actor: 'apikey:2', action: `x.${i}` })),
      ),
    );
    await database.withTenant(tenantB, (tx) => appendAudit(tx, { tenantId: tenantB, actor: 'user:9', action: 'model.register' }));
    const okA = await database.withTenant(tenantA, (tx) => verifyAuditChain(tx, tenantA));
    expect(okA).toMatchObject({ ok: true, count: 7, brokenAtSeq: null });
    const okB = await database.withTenant(tenantB, (tx) => verifyAuditChain(tx, tenantB));
    expect(okB).toMatchObject({ ok: true, count: 1 });

    expect(
      await failure(
        database.withTenant(tenantA, (tx) => tx.update(auditLog).set({ action: 'forged' }).where(eq(auditLog.seq, 1))),
      ),
    ).toMatch(/append-only/);
    expect(await failure(database.executeSql('delete from audit_log'))).toMatch(/append-only/);
    expect(await failure(database.executeSql('truncate audit_log'))).toMatch(/append-only/);

    // an attacker with the owner's rights switches the trigger off and edits history
    await database.executeSql('alter table audit_log disable trigger audit_log_append_only');
    await database.executeSql(`update audit_log set details = '{"name":"forged"}' where tenant_id = $1 and seq = 1`, [tenantA]);
    await database.executeSql('alter table audit_log enable trigger audit_log_append_only');
    const broken = await database.withTenant(tenantA, (tx) => verifyAuditChain(tx, tenantA));
    expect(broken).toMatchObject({ ok: false, brokenAtSeq: 1 });
  });

  it('numbers job events per job and announces them with NOTIFY', async () => {
    const payloads: string[] = [];
    const unlisten = await database.listen('antidote_job_events', (p) => payloads.push(p));
    const job = await database.withTenant(tenantA, async (tx) => {
      const [row] = await tx.insert(jobs).values({ tenantId: tenantA, kind: 'scan', params: {} }).returning();
      return row;
    });
    if (!job) throw new Error('no job');
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        database.withTenant(tenantA, (tx) =>
          tx.insert(jobEvents).values({ tenantId: tenantA, jobId: job.id, type: 'progress', step: i }),
        ),
      ),
    );
    const events = await database.withTenant(tenantA, (tx) => tx.select().from(jobEvents).where(eq(jobEvents.jobId, job.id)));
    expect(events.map((e) => e.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    await expect.poll(() => payloads.length, { timeout: 5000 }).toBe(6);
    expect(JSON.parse(payloads[0] ?? '{}')).toMatchObject({ tenantId: tenantA, jobId: job.id });
    await unlisten();
    const hidden = await database.withTenant(tenantB, (tx) => tx.select().from(jobEvents));
    expect(hidden).toEqual([]);
  });

  it('rejects rows that reference rows of another tenant, even where RLS is not consulted (foreign keys)', async () => {
    const [aModel] = await database.withTenant(tenantA, (tx) => tx.select().from(models));
    // the service role bypasses RLS, as a buggy admin path would: the composite key still refuses
    expect(
      await failure(
        database.asService((tx) =>
          tx.insert(modelVersions).values({
            tenantId: tenantB,
            modelId: aModel?.id ?? '',
            version: 1,
            artifactSha256: 'x',
            format: 'tfjs-layers',
            inputShape: [1],
            numClasses: 2,
            paramCount: 1,
          }),
        ),
      ),
    ).toMatch(/foreign key/);
  });

  it('stores api keys hashed and unique', async () => {
    await database.withTenant(tenantA, (tx) =>
      tx.insert(apiKeys).values({ tenantId: tenantA, name: 'ci', prefix: 'ak_1234', keyHash: 'h1', role: 'analyst' }),
    );
    await expect(
      database.withTenant(tenantB, (tx) =>
        tx.insert(apiKeys).values({ tenantId: tenantB, name: 'ci', prefix: 'ak_1234', keyHash: 'h1', role: 'analyst' }),
      ),
    ).rejects.toThrow();
  });
});
