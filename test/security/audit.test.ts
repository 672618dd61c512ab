/**
 * Attack on the audit trail (issue 20, hole 9, audit part): someone with database access removes
 * the newest entries. The remaining chain is consistent in itself, so only an anchor kept outside
 * the database, signed with a key the database never sees, can show the cut.
 */
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Anchor {
  tenantId: string;
  seq: number;
  headHash: string;
  anchoredAt: string;
  mac: string;
}
interface Verification {
  ok: boolean;
  count: number;
  brokenAtSeq: number | null;
  truncated: boolean | null;
}

const VERIFY = 'query($a: [AuditAnchorInput!]) { verifyAuditChain(anchors: $a) { ok count brokenAtSeq truncated } }';

describe('audit chain anchors', () => {
  let gw: TestGateway;
  let owner: Awaited<ReturnType<TestGateway['signUp']>>;
  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite' });
    owner = await gw.signUp('audited', 'owner');
    for (let i = 0; i < 4; i++) {
      await gw.gql(
        owner.token,
        `mutation { createApiKey(input: { name: "k${i}", role: VIEWER }) { secret userErrors { code } } }`,
      );
    }
  });
  afterAll(async () => {
    await gw?.close();
  });

  const verify = async (anchors?: Anchor[]) =>
    (await gw.gql<{ verifyAuditChain: Verification }>(owner.token, VERIFY, { a: anchors ?? null })).data?.verifyAuditChain;

  it('detects the newest entries removed after an anchor was exported', async () => {
    const anchored = await gw.gql<{ auditAnchor: Anchor }>(
      owner.token,
      '{ auditAnchor { tenantId seq headHash anchoredAt mac } }',
    );
    const anchor = anchored.data?.auditAnchor;
    expect(anchor?.seq).toBe(4);
    expect((await verify(anchor ? [anchor] : []))?.ok).toBe(true);

    // the attacker: superuser, triggers off, newest two entries gone
    await gw.database.executeSql("set session_replication_role = 'replica'");
    await gw.database.executeSql(`delete from audit_log where tenant_id = '${owner.tenantId}' and seq > 2`);
    await gw.database.executeSql("set session_replication_role = 'origin'");

    // what the chain alone says: nothing wrong
    expect(await verify()).toMatchObject({ ok: true, count: 2 });
    // with the anchor kept outside: truncated
    expect(await verify(anchor ? [anchor] : [])).toMatchObject({ ok: false, truncated: true, brokenAtSeq: 3 });
  });

  it('refuses an anchor whose MAC does not check out', async () => {
    const anchored = await gw.gql<{ auditAnchor: Anchor }>(
      owner.token,
      '{ auditAnchor { tenantId seq headHash anchoredAt mac } }',
    );
    const anchor = anchored.data?.auditAnchor as Anchor;
    const forged = { ...anchor, seq: 1 };
    expect((await verify([forged]))?.ok).toBe(false);
  });
});
