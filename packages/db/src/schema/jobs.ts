import { bigserial, index, integer, jsonb, pgEnum, pgTable, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { datasets } from './datasets.ts';
import { modelVersions } from './models.ts';
import { tenantIsolation } from './roles.ts';
import { tenants, users } from './tenancy.ts';

export interface JobEstimateRecord {
  seconds: number;
  peakBytes: number;
  flops: number;
  flopsPerSecond: number;
  trainPasses: number;
  inferPasses: number;
  /** The attempt's time limit the estimate set (never below the job kind's default). */
  expireInSeconds: number;
  estimatedAt: string;
}

export const jobKind = pgEnum('job_kind', ['scan', 'repair', 'evaluate', 'sweep']);
/** queued -> running -> succeeded | failed | cancelled; running -> queued again on a retry. */
export const jobState = pgEnum('job_state', ['queued', 'running', 'succeeded', 'failed', 'cancelled']);

export const jobs = pgTable(
  'jobs',
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    kind: jobKind().notNull(),
    state: jobState().notNull().default('queued'),
    params: jsonb().$type<Record<string, unknown>>().notNull(),
    idempotencyKey: text(),
    modelVersionId: uuid().references(() => modelVersions.id, { onDelete: 'set null' }),
    datasetId: uuid().references(() => datasets.id, { onDelete: 'set null' }),
    attempts: integer().notNull().default(0),
    /** Small JSON the job resumes from; bulky state (weights) is an artifact named inside it. */
    checkpoint: jsonb().$type<Record<string, unknown>>(),
    progress: real().notNull().default(0),
    phase: text(),
    error: jsonb().$type<{ code: string; message: string }>(),
    /**
     * Time and peak memory the worker foresaw before the long work (from the model's FLOPs, the
     * images and its measured throughput), and the time limit it set from them.
     */
    estimate: jsonb().$type<JobEstimateRecord>(),
    /** What a job produced beyond findings (a sweep's table; an evaluation's figures). */
    result: jsonb().$type<Record<string, unknown>>(),
    queueJobId: text(),
    /** The worker running the current attempt; a worker whose heartbeat stops loses its jobs to a retry. */
    workerId: text(),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    monitorId: uuid(),
    cancelRequestedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex().on(t.tenantId, t.idempotencyKey),
    index().on(t.tenantId, t.createdAt),
    index().on(t.modelVersionId),
    tenantIsolation('jobs'),
  ],
).enableRLS();

/** Append-only progress history; `seq` is assigned per job by a trigger, which also NOTIFYs. */
export const jobEvents = pgTable(
  'job_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    jobId: uuid()
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    seq: integer().notNull().default(0),
    type: text().notNull(),
    phase: text(),
    step: integer(),
    totalSteps: integer(),
    progress: real(),
    message: text(),
    metrics: jsonb().$type<Record<string, number>>(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex().on(t.jobId, t.seq), index().on(t.tenantId, t.id), tenantIsolation('job_events')],
).enableRLS();
