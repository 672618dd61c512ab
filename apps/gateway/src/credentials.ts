/**
 * A per-process cache of authenticated bearers, so a request does not pay a service-role
 * transaction (session or key lookup, memberships) before its own work.
 *
 * Revocation is honoured three ways:
 * - the transaction that ends a credential (API key revoked, session deleted) sends a NOTIFY on
 *   CREDENTIALS_CHANNEL; Postgres delivers it at commit to every gateway, which drops the entry;
 * - the gateway that ended it also drops the entry itself once the change committed, so its very
 *   next request is refused without waiting for the notification to come round;
 * - every entry lives at most `ttlSeconds` (and never past the credential's own expiry), which
 *   bounds how long a change made outside the API (SQL by an operator) stays unseen.
 * While the LISTEN connection is down notifications may be lost: the cache is emptied when that
 * happens and again once it listens again, and it caches nothing until it has listened once.
 *
 * A lookup that started before an invalidation is not stored when it finishes (a generation
 * counter), so a revoke racing a sign-in cannot leave the old answer behind.
 */
import type { Database, Tx } from '@antidote/db';
import { sql } from 'drizzle-orm';
import { type AuthContext, authenticate, sha256 } from './auth.ts';

export const CREDENTIALS_CHANNEL = 'antidote_credentials';

/** Which credential ended: an API key or a session, by id. */
export type EndedCredential = { apiKeyId: string } | { sessionId: string };

const MAX_ENTRIES = 10_000;

interface Entry {
  auth: AuthContext;
  until: number;
}

/** In the transaction that ends a credential: every gateway hears of it when that transaction commits. */
export async function announceCredentialEnded(tx: Tx, ended: EndedCredential): Promise<void> {
  const payload = 'apiKeyId' in ended ? `apikey:${ended.apiKeyId}` : `session:${ended.sessionId}`;
  await tx.execute(sql`select pg_notify(${CREDENTIALS_CHANNEL}, ${payload})`);
}

export interface CredentialCache {
  /**
   * `authenticate` for HTTP requests, answered from the cache while the entry holds;
   * `bearerSha256` is sha256(bearer) when the caller has it already.
   */
  authenticate(bearer: string, tenantChoice: string | undefined, bearerSha256?: string): Promise<AuthContext>;
  /** Drops what this process holds for a credential (after the change that ended it committed). */
  forget(ended: EndedCredential): void;
  /** Starts listening for other gateways' revocations; caching begins once this succeeded. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** Entries held (tests, metrics). */
  readonly size: number;
}

export function createCredentialCache(database: Database, options: { ttlSeconds: number }): CredentialCache {
  const entries = new Map<string, Entry>();
  let generation = 0;
  let listening = false;
  let unlisten: (() => Promise<void>) | undefined;
  const ttlMs = options.ttlSeconds * 1000;

  const clear = () => {
    generation++;
    entries.clear();
  };
  const forget = (ended: EndedCredential) => {
    generation++;
    for (const [key, entry] of entries) {
      const match = 'apiKeyId' in ended ? entry.auth.apiKeyId === ended.apiKeyId : entry.auth.sessionId === ended.sessionId;
      if (match) entries.delete(key);
    }
  };
  const onPayload = (payload: string) => {
    const [kind, id] = payload.split(':');
    if (kind === 'apikey' && id) forget({ apiKeyId: id });
    else if (kind === 'session' && id) forget({ sessionId: id });
    // anything else: be safe rather than clever
    else clear();
  };

  return {
    get size() {
      return entries.size;
    },
    async authenticate(bearer, tenantChoice, bearerSha256) {
      if (!listening || ttlMs <= 0) return authenticate(database, bearer, tenantChoice);
      const key = `${bearerSha256 ?? sha256(bearer)}\n${tenantChoice ?? ''}`;
      const now = Date.now();
      const hit = entries.get(key);
      if (hit && hit.until > now) return hit.auth;
      if (hit) entries.delete(key);
      const startedAt = generation;
      const auth = await authenticate(database, bearer, tenantChoice);
      if (generation === startedAt && listening) {
        const expires = auth.credentialExpiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
        if (entries.size >= MAX_ENTRIES) {
          const oldest = entries.keys().next().value;
          if (oldest !== undefined) entries.delete(oldest);
        }
        entries.set(key, { auth, until: Math.min(Date.now() + ttlMs, expires) });
      }
      return auth;
    },
    forget,
    async start() {
      if (ttlMs <= 0 || unlisten) return;
      unlisten = await database.listen(CREDENTIALS_CHANNEL, onPayload, clear);
      listening = true;
    },
    async close() {
      listening = false;
      clear();
      await unlisten?.();
      unlisten = undefined;
    },
  };
}
