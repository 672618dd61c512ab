/**
 * Attack on open subscriptions (issue 20, hole 7): a revoked API key or ended session must stop
 * receiving on a stream it opened before, on the next event and, with no event, within the
 * re-check interval.
 */
import { schema } from '@antidote/db';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { appendJobEvent } from '@antidote/jobs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { record, sleep, waitFor, wsClient } from '../api/support.ts';

const EVENTS = 'subscription { tenantEvents { seq type message } }';

describe('subscriptions end when their credential does', () => {
  let gw: TestGateway;
  let owner: Awaited<ReturnType<TestGateway['signUp']>>;
  let jobId: string;

  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite', env: { ANTIDOTE_WS_RECHECK_SECONDS: '1' } });
    owner = await gw.signUp('revocation', 'owner');
    const [job] = await gw.database.withTenant(owner.tenantId, (tx) =>
      tx.insert(schema.jobs).values({ tenantId: owner.tenantId, kind: 'sweep', params: {} }).returning(),
    );
    jobId = job?.id ?? '';
  });
  afterAll(async () => {
    await gw?.close();
  });

  const emit = (message: string) =>
    gw.database.withTenant(owner.tenantId, (tx) => appendJobEvent(tx, owner.tenantId, jobId, { type: 'log', message }));

  async function newKey(): Promise<{ id: string; secret: string }> {
    const made = await gw.gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      owner.token,
      'mutation { createApiKey(input: { name: "stream", role: VIEWER }) { secret apiKey { id } userErrors { code } } }',
    );
    return { id: made.data?.createApiKey.apiKey.id ?? '', secret: made.data?.createApiKey.secret ?? '' };
  }

  const revoke = (id: string) =>
    gw.gql(owner.token, 'mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { userErrors { code } } }', {
      i: { id },
    });

  it('a revoked key gets no further event on its open stream', async () => {
    const key = await newKey();
    const client = wsClient(gw, { authorization: `Bearer ${key.secret}` });
    try {
      const stream = record<{ tenantEvents: { message: string } }>(client, EVENTS);
      await sleep(300);
      await emit('before');
      await waitFor(() => stream.events.length === 1, 'the first event');
      await revoke(key.id);
      await emit('after');
      await sleep(1500);
      expect(stream.events.map((e) => e.tenantEvents.message)).toEqual(['before']);
      expect(stream.ended).toBe(true);
    } finally {
      await client.dispose();
    }
  });

  it('an ended session is cut off within the re-check interval, even with no event', async () => {
    const member = await gw.signUp('revocation', 'viewer');
    const client = wsClient(gw, { authorization: `Bearer ${member.token}` });
    try {
      const stream = record<{ tenantEvents: { message: string } }>(client, EVENTS);
      await sleep(300);
      await gw.database.asService((tx) => tx.delete(schema.sessions).where(eq(schema.sessions.userId, member.userId)));
      await waitFor(() => stream.ended, 'the stream to end', 5000);
      await emit('late');
      await sleep(500);
      expect(stream.events).toEqual([]);
    } finally {
      await client.dispose();
    }
  });
});
