import { integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Worker heartbeats: which backends serve the queue (reported as worker capabilities). Not tenant data. */
export const workers = pgTable('workers', {
  id: text().primaryKey(),
  hostname: text().notNull(),
  backend: text().notNull(),
  concurrency: integer().notNull(),
  capabilities: jsonb().$type<Record<string, unknown>>().notNull().default({}),
  startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
