/**
 * One tenant transaction per query operation (context.ts): the calls of one context share it
 * while sharing is on, it is still the RLS-bound role with the caller's tenant, a failed statement
 * does not take the other calls down, and after release() calls get transactions of their own.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from './context.ts';
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
});
