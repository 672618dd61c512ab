import { createHash } from 'node:crypto';
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
}

/**
 * Recomputes every link in Node (not in SQL, so a tampered database function cannot vouch for
 * itself); Postgres only renders the jsonb and timestamp exactly as the trigger hashed them.
 */
export async function verifyAuditChain(tx: Tx, tenantId: string): Promise<AuditVerification> {
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
