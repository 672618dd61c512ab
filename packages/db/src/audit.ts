import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { asc, sql } from 'drizzle-orm';
import type { Tx } from './client.ts';
import { auditLog } from './schema/audit.ts';

export interface AuditEntry {
  tenantId: string;
  /** `user:<id>`, `apikey:<id>`, `system:<component>`. */
  actor: string;
  /** verb.noun, e.g. `model.register`, `job.start`, `apikey.revoke`. */
  action: string;
  target?: string;
  details?: Record<string, unknown>;
}

/** Appends under the caller's tenant transaction; the trigger assigns seq and the hash link. */
export async function appendAudit(tx: Tx, entry: AuditEntry) {
  const [row] = await tx
    .insert(auditLog)
    .values({
      tenantId: entry.tenantId,
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? '',
      details: entry.details ?? {},
    })
    .returning();
  if (!row) throw new Error('audit append returned no row');
  return row;
}

export interface AuditVerification {
  ok: boolean;
  count: number;
  /** seq of the first entry whose hash or link does not check out. */
  brokenAtSeq: number | null;
  headHash: string | null;
  /** An anchor names an entry the chain no longer holds: its newest entries were cut off. */
  truncated?: boolean;
}

/**
 * A signed statement "tenant T's chain had head H at seq N at time A", for keeping outside the
 * database (a notary, a ticket, a WORM bucket). Whoever can rewrite the database cannot forge
 * one without the key, so a chain rewritten or cut below an anchor no longer verifies.
 */
export interface AuditAnchor {
  tenantId: string;
  seq: number;
  headHash: string;
  anchoredAt: string;
  /** HMAC-SHA256 over the fields above, with a key that never enters the database. */
  mac: string;
}

const anchorText = (a: Omit<AuditAnchor, 'mac'>) => [a.tenantId, String(a.seq), a.headHash, a.anchoredAt].join('|');
const anchorMac = (key: string, a: Omit<AuditAnchor, 'mac'>) =>
  createHmac('sha256', key).update(anchorText(a), 'utf8').digest('hex');

/** Signs the tenant's current head (seq 0 and 64 zeros for an empty chain). */
export async function anchorAuditHead(tx: Tx, tenantId: string, key: string): Promise<AuditAnchor> {
  const [head] = await tx
    .select({ seq: auditLog.seq, hash: auditLog.hash })
    .from(auditLog)
    .where(sql`${auditLog.tenantId} = ${tenantId}`)
    .orderBy(sql`${auditLog.seq} desc`)
    .limit(1);
  const body = { tenantId, seq: head?.seq ?? 0, headHash: head?.hash ?? '0'.repeat(64), anchoredAt: new Date().toISOString() };
  return { ...body, mac: anchorMac(key, body) };
}

export function isAnchorAuthentic(key: string, anchor: AuditAnchor): boolean {
  const expected = Buffer.from(anchorMac(key, anchor), 'hex');
  const given = Buffer.from(anchor.mac, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Recomputes every link in Node (not in SQL, so a tampered database function cannot vouch for
 * itself); Postgres only renders the jsonb and timestamp exactly as the trigger hashed them.
 */
export async function verifyAuditChain(
  tx: Tx,
  tenantId: string,
  anchors: { key: string; anchors: AuditAnchor[] } = { key: '', anchors: [] },
): Promise<AuditVerification> {
  const rows = await tx
    .select({
      seq: auditLog.seq,
      prevHash: auditLog.prevHash,
      hash: auditLog.hash,
      actor: auditLog.actor,
      action: auditLog.action,
      target: auditLog.target,
      details: sql<string>`${auditLog.details}::text`,
      createdAt: sql<string>`to_char(${auditLog.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(auditLog)
    .where(sql`${auditLog.tenantId} = ${tenantId}`)
    .orderBy(asc(auditLog.seq));
  const head = rows.at(-1)?.hash ?? null;
  // anchors first: a cut-off tail leaves a chain that is consistent in itself
  for (const anchor of [...anchors.anchors].sort((a, b) => a.seq - b.seq)) {
    if (anchor.tenantId !== tenantId || !anchors.key || !isAnchorAuthentic(anchors.key, anchor))
      return { ok: false, count: rows.length, brokenAtSeq: anchor.seq, headHash: head };
    if (anchor.seq === 0) continue;
    const row = rows[anchor.seq - 1];
    if (!row) return { ok: false, count: rows.length, brokenAtSeq: rows.length + 1, headHash: head, truncated: true };
    if (row.seq !== anchor.seq || row.hash !== anchor.headHash)
      return { ok: false, count: rows.length, brokenAtSeq: anchor.seq, headHash: head };
  }
  let expectedPrev = '0'.repeat(64);
  let expectedSeq = 1;
  for (const row of rows) {
    const canonical = [
      row.prevHash,
      tenantId,
      String(row.seq),
      row.actor,
      row.action,
      row.target,
      row.details,
      row.createdAt,
    ].join('|');
    const hash = createHash('sha256').update(canonical, 'utf8').digest('hex');
    if (row.seq !== expectedSeq || row.prevHash !== expectedPrev || row.hash !== hash) {
      return { ok: false, count: rows.length, brokenAtSeq: row.seq, headHash: rows.at(-1)?.hash ?? null };
    }
    expectedPrev = row.hash;
    expectedSeq += 1;
  }
  return { ok: true, count: rows.length, brokenAtSeq: null, headHash: rows.at(-1)?.hash ?? null };
}
