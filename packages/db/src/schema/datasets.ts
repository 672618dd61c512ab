import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantIsolation } from './roles.ts';
import { tenants, users } from './tenancy.ts';

/** Trusted datasets: the small clean sets that repairs and scans rely on. */
export const datasets = pgTable(
  'datasets',
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    artifactSha256: text().notNull(),
    format: text().notNull(),
    count: integer().notNull(),
    /** Null when the images came without labels (`labelled` 0): the class count is then the model's. */
    numClasses: integer(),
    imageShape: integer().array().notNull(),
    /** Images per class; empty when unlabelled. */
    classHistogram: integer().array().notNull(),
    /** 1 when the upload carried labels, 0 for images alone (labelled by the suspect at job time). */
    labelled: integer().notNull().default(1),
    /** PNG grid of sample images per class, made at registration. */
    thumbnailSha256: text(),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex().on(t.tenantId, t.name), index().on(t.tenantId, t.createdAt), tenantIsolation('datasets')],
).enableRLS();
