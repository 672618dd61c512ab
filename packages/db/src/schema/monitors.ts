import { boolean, index, integer, jsonb, pgTable, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { datasets } from './datasets.ts';
import { findings } from './findings.ts';
import { models } from './models.ts';
import { tenantIsolation } from './roles.ts';
import { tenants } from './tenancy.ts';

export interface WebhookTarget {
  url: string;
  /** HMAC-SHA256 key for the `X-Antidote-Signature` header. */
  secret: string;
}

/** Continuous monitoring of a model: scan each new version, re-scan on a schedule, alert. */
export const monitors = pgTable(
  'monitors',
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    modelId: uuid()
      .notNull()
      .references(() => models.id, { onDelete: 'cascade' }),
    datasetId: uuid()
      .notNull()
      .references(() => datasets.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    enabled: boolean().notNull().default(true),
    scanOnNewVersion: boolean().notNull().default(true),
    /** Re-scan the latest version every N minutes; null = only on new versions. */
    intervalMinutes: integer(),
    /** A finding whose score reaches this fires the webhooks (defaults to the verdict). */
    scoreThreshold: real(),
    webhooks: jsonb().$type<WebhookTarget[]>().notNull().default([]),
    lastRunAt: timestamp({ withTimezone: true }),
    nextRunAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.tenantId, t.createdAt), index().on(t.nextRunAt), tenantIsolation('monitors')],
).enableRLS();

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    monitorId: uuid().references(() => monitors.id, { onDelete: 'cascade' }),
    findingId: uuid().references(() => findings.id, { onDelete: 'cascade' }),
    url: text().notNull(),
    event: text().notNull(),
    status: text().$type<'pending' | 'delivered' | 'failed' | 'blocked'>().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    responseCode: integer(),
    lastError: text(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp({ withTimezone: true }),
  },
  (t) => [index().on(t.tenantId, t.createdAt), tenantIsolation('webhook_deliveries')],
).enableRLS();
