/**
 * One tenant transaction per query operation (context.ts): the calls of one context share it
 * while sharing is on, it is still the RLS-bound role with the caller's tenant, a failed statement
 * does not take the other calls down, and after release() calls get transactions of their own.
 */
import { schema } from '@antidote/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from './context.ts';
import { paginate } from './pagination.ts';
import { startTestGateway, type TestGateway } from './testing.ts';

describe('shared tenant transaction', () => {
  let gw: TestGateway;
  let auth: Parameters<typeof createContext>[1];

  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'postgres' });
    const owner = await gw.signUp('shared', 'owner');
    auth = await gw.services.credentials.authenticate(owner.token, undefined);
  });
  afterAll(async () => {
    await gw?.close();
  });

  const probe = (ctx: ReturnType<typeof createContext>) =>
    ctx.tenant(async (tx) => {
      const result = (await tx.execute(
        sql`select txid_current()::text as txid, current_user as role, current_setting('app.tenant_id', true) as tenant`,
      )) as unknown as { rows: { txid: string; role: string; tenant: string }[] };
      return result.rows[0] as { txid: string; role: string; tenant: string };
    });

  it('shares one transaction among the calls, as the app role of the caller’s tenant', async () => {
    const ctx = createContext(gw.services, auth);
    ctx.shareTenantTransaction();
    const [first, second] = await Promise.all([probe(ctx), probe(ctx)]);
    const third = await probe(ctx);
    expect(first?.txid).toBe(second?.txid);
    expect(third?.txid).toBe(first?.txid);
    expect(first).toMatchObject({ role: 'antidote_app', tenant: auth?.tenantId });
    await ctx.release();
    const after = await probe(ctx);
    expect(after.txid).not.toBe(first?.txid);
    expect(after).toMatchObject({ role: 'antidote_app', tenant: auth?.tenantId });
  });

  it('without sharing, each call has its own transaction', async () => {
    const ctx = createContext(gw.services, auth);
    const [first, second] = await Promise.all([probe(ctx), probe(ctx)]);
    expect(first.txid).not.toBe(second.txid);
  });

  it('a failing statement fails its own call only', async () => {
    const ctx = createContext(gw.services, auth);
    ctx.shareTenantTransaction();
    const before = await probe(ctx);
    const results = await Promise.allSettled([ctx.tenant((tx) => tx.execute(sql`select 1 / 0`)), probe(ctx), probe(ctx)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    const later = await probe(ctx);
    expect(later).toMatchObject({ role: 'antidote_app', tenant: auth?.tenantId });
    expect(later.txid).not.toBe(before.txid);
    await ctx.release();
  });

  it('release waits for a call still running in the transaction', async () => {
    const ctx = createContext(gw.services, auth);
    ctx.shareTenantTransaction();
    let released = false;
    const slow = ctx.tenant(async (tx) => {
      await tx.execute(sql`select pg_sleep(0.3)`);
      expect(released).toBe(false);
      return ((await tx.execute(sql`select current_user as role`)) as unknown as { rows: unknown[] }).rows[0];
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const release = ctx.release().then(() => {
      released = true;
    });
    expect(await slow).toEqual({ role: 'antidote_app' });
    await release;
  });

  it('a page query prepared on a connection still shows each tenant only its own rows', async () => {
    const other = await gw.signUp('shared-other', 'owner');
    const otherAuth = await gw.services.credentials.authenticate(other.token, undefined);
    if (!auth || !otherAuth) throw new Error('no auth');
    for (const [tenantId, name] of [
      [auth.tenantId, 'mine'],
      [otherAuth.tenantId, 'theirs'],
    ] as const) {
      await gw.database.withTenant(tenantId, (tx) => tx.insert(schema.models).values({ tenantId, name }));
    }
    const page = async (who: NonNullable<typeof auth>) => {
      const ctx = createContext(gw.services, who);
      ctx.shareTenantTransaction();
      const result = await ctx.tenant(async (tx) => {
        const found = await paginate(tx, schema.models, { first: 5 });
        const statements = (await tx.execute(
          sql`select name from pg_prepared_statements where name like 'antidote_q_%'`,
        )) as unknown as { rows: { name: string }[] };
        return { names: found.edges.map((e) => e.node.name), statements: statements.rows.map((r) => r.name) };
      });
      await ctx.release();
      return result;
    };
    // one after the other: the pool hands the same idle connection back, statement already prepared
    for (let i = 0; i < 3; i++) {
      const mine = await page(auth);
      const theirs = await page(otherAuth);
      expect(mine.names).toEqual(['mine']);
      expect(theirs.names).toEqual(['theirs']);
      expect(mine.statements).toContain('antidote_q_first_page_models');
    }
  });
});
