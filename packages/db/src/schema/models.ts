import {
  type AnyPgColumn,
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantIsolation } from './roles.ts';
import { tenants, users } from './tenancy.ts';

export const models = pgTable(
  'models',
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    description: text().notNull().default(''),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex().on(t.tenantId, t.name), index().on(t.tenantId, t.createdAt), tenantIsolation('models')],
).enableRLS();

export const modelVersions = pgTable(
  'model_versions',
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    modelId: uuid()
      .notNull()
      .references(() => models.id, { onDelete: 'cascade' }),
    version: integer().notNull(),
    /** sha256 of the packed artifact (model.json + weights as one archive) in the store. */
    artifactSha256: text().notNull(),
    format: text().notNull(),
    inputShape: integer().array().notNull(),
    numClasses: integer().notNull(),
    classNames: text().array(),
    paramCount: bigint({ mode: 'number' }).notNull(),
    /** Set on repaired versions: lineage original -> repaired. */
    parentVersionId: uuid().references((): AnyPgColumn => modelVersions.id, { onDelete: 'set null' }),
    createdByJobId: uuid(),
    metadata: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    /** ONNX/Keras versions: the input preprocessing resolved at import (declared fields + explicit defaults). */
    preprocessing: jsonb().$type<Record<string, unknown>>(),
    /** ONNX versions: agreement of the converted model with ONNX Runtime, recorded on import or on writing a repair. */
    fidelity: jsonb().$type<Record<string, unknown>>(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex().on(t.modelId, t.version),
    index().on(t.tenantId, t.createdAt),
    index().on(t.parentVersionId),
    tenantIsolation('model_versions'),
  ],
).enableRLS();
