import { bigint, bigserial, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantIsolation } from './roles.ts';
import { tenants } from './tenancy.ts';

/**
 * Append-only and hash-chained per tenant. `seq`, `prevHash`, `hash` and `createdAt` are set by
 * a BEFORE INSERT trigger under a per-tenant advisory lock, so concurrent writers cannot fork the
 * chain; another trigger rejects UPDATE, DELETE and TRUNCATE for every role.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'restrict' }),
    seq: bigint({ mode: 'number' }).notNull().default(0),
    actor: text().notNull(),
    action: text().notNull(),
    target: text().notNull().default(''),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    prevHash: text().notNull().default(''),
    hash: text().notNull().default(''),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex().on(t.tenantId, t.seq), tenantIsolation('audit_log')],
).enableRLS();
