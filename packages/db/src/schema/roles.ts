import { sql } from 'drizzle-orm';
import { pgPolicy, pgRole } from 'drizzle-orm/pg-core';

/**
 * Request work runs as `antidote_app` (RLS applies, FORCE RLS on every tenant table);
 * authentication lookups, queue bookkeeping and schedulers run as `antidote_service`
 * (BYPASSRLS). Neither owns a table. Both are created by `ensureRoles` before migrating.
 */
export const appRole = pgRole('antidote_app').existing();
export const serviceRole = pgRole('antidote_service').existing();

/** Fails closed: outside a tenant transaction the setting is '' (or unset) and matches no row. */
export const currentTenant = sql`nullif(current_setting('app.tenant_id', true), '')::uuid`;

/** The one policy every tenant-owned table carries. */
export function tenantIsolation(name: string) {
  return pgPolicy(`${name}_tenant_isolation`, {
    as: 'permissive',
    for: 'all',
    to: appRole,
    using: sql`tenant_id = ${currentTenant}`,
    withCheck: sql`tenant_id = ${currentTenant}`,
  });
}
