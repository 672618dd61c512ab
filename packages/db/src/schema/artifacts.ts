import { sql } from 'drizzle-orm';
import { bigint, index, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenantIsolation } from './roles.ts';
import { tenants } from './tenancy.ts';

/**
 * Bytes live in the content-addressed store (shared, deduplicated); this row is a tenant's
 * right to read them. Without it the gateway serves nothing, whatever the sha256.
 */
export const artifacts = pgTable(
  'artifacts',
  {
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    sha256: text().notNull(),
    size: bigint({ mode: 'number' }).notNull(),
    contentType: text().notNull().default('application/octet-stream'),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.sha256] }), tenantIsolation('artifacts')],
).enableRLS();

/** A signed upload slot handed out by `createUpload`; completed once the bytes arrived. */
export const uploads = pgTable(
  'uploads',
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    purpose: text().notNull(),
    filename: text().notNull().default(''),
    maxBytes: bigint({ mode: 'number' }).notNull(),
    sha256: text(),
    size: bigint({ mode: 'number' }),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    completedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [index().on(t.tenantId, t.createdAt), tenantIsolation('uploads')],
).enableRLS();
