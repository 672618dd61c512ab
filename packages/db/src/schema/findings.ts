import { index, integer, jsonb, pgEnum, pgTable, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { datasets } from './datasets.ts';
import { jobs } from './jobs.ts';
import { modelVersions } from './models.ts';
import { tenantIsolation } from './roles.ts';
import { tenants } from './tenancy.ts';

export const verdict = pgEnum('verdict', ['clean', 'suspicious', 'backdoored', 'repaired', 'not-repaired']);

export const findings = pgTable(
  'findings',
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    jobId: uuid().references(() => jobs.id, { onDelete: 'set null' }),
    modelVersionId: uuid()
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'cascade' }),
    datasetId: uuid().references(() => datasets.id, { onDelete: 'set null' }),
    kind: text().$type<'detection' | 'repair'>().notNull(),
    method: text().notNull(),
    score: real(),
    threshold: real(),
    verdict: verdict().notNull(),
    suspectedTarget: integer(),
    triggerSha256: text(),
    cdaBefore: real(),
    cdaAfter: real(),
    asrBefore: real(),
    asrAfter: real(),
    repairedVersionId: uuid().references(() => modelVersions.id, { onDelete: 'set null' }),
    params: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index().on(t.tenantId, t.createdAt), index().on(t.modelVersionId), tenantIsolation('findings')],
).enableRLS();
