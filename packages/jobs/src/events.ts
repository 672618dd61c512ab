/**
 * Progress is data: every event a job emits is a row in job_events (numbered per job by a
 * trigger, announced by NOTIFY). Subscribers replay the stored history first, then follow the
 * live stream, so a late subscriber misses nothing and sees nothing twice.
 */
import { type Database, schema, type Tx } from '@antidote/db';
import { and, asc, eq, gt } from 'drizzle-orm';
import { z } from 'zod';

export const JOB_EVENT_TYPES = [
  'queued',
  'started',
  'progress',
  'checkpoint',
  'log',
  'retrying',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

export const jobEventInput = z.strictObject({
  type: z.enum(JOB_EVENT_TYPES),
  phase: z.string().max(64).optional(),
  step: z.number().int().min(0).optional(),
  totalSteps: z.number().int().min(0).optional(),
  progress: z.number().min(0).max(1).optional(),
  message: z.string().max(2000).optional(),
  metrics: z.record(z.string(), z.number()).optional(),
});
export type JobEventInput = z.input<typeof jobEventInput>;
export type JobEvent = typeof schema.jobEvents.$inferSelect;

export const JOB_EVENTS_CHANNEL = 'antidote_job_events';

/** Appends an event and moves the job's progress/phase along with it, in the caller's tenant transaction. */
export async function appendJobEvent(tx: Tx, tenantId: string, jobId: string, input: JobEventInput): Promise<JobEvent> {
  const event = jobEventInput.parse(input);
  const [row] = await tx
    .insert(schema.jobEvents)
    .values({
      tenantId,
      jobId,
      type: event.type,
      phase: event.phase ?? null,
      step: event.step ?? null,
      totalSteps: event.totalSteps ?? null,
      progress: event.progress ?? null,
      message: event.message ?? null,
      metrics: event.metrics ?? null,
    })
    .returning();
  if (!row) throw new Error('job event insert returned no row');
  if (event.progress !== undefined || event.phase !== undefined) {
    await tx
      .update(schema.jobs)
      .set({
        ...(event.progress !== undefined ? { progress: event.progress } : {}),
        ...(event.phase !== undefined ? { phase: event.phase } : {}),
      })
      .where(eq(schema.jobs.id, jobId));
  }
  return row;
}

export async function listJobEvents(tx: Tx, jobId: string, afterSeq = 0, limit = 1000): Promise<JobEvent[]> {
  return tx
    .select()
    .from(schema.jobEvents)
    .where(and(eq(schema.jobEvents.jobId, jobId), gt(schema.jobEvents.seq, afterSeq)))
    .orderBy(asc(schema.jobEvents.seq))
    .limit(limit);
}

interface Notification {
  tenantId: string;
  jobId: string;
  seq: number;
}

type NotificationHandler = (n: Notification) => void;

/**
 * One LISTEN per process, fanned out in memory; a subscriber only learns "job X has news" and
 * reads the rows itself under its own tenant's RLS.
 */
export class JobEventHub {
  readonly #database: Database;
  readonly #handlers = new Set<NotificationHandler>();
  #unlisten: Promise<() => Promise<void>> | undefined;

  constructor(database: Database) {
    this.#database = database;
  }

  async #ensureListening(): Promise<void> {
    this.#unlisten ??= this.#database.listen(JOB_EVENTS_CHANNEL, (payload) => {
      let parsed: Notification;
      try {
        parsed = JSON.parse(payload) as Notification;
      } catch {
        return;
      }
      for (const handler of this.#handlers) handler(parsed);
    });
    await this.#unlisten;
  }

  /**
   * Events of one job (or, without jobId, of every job of the tenant), stored history first.
   * Ends after a terminal event when following one job; ends when `signal` fires.
   */
  async *subscribe(options: {
    tenantId: string;
    jobId?: string;
    afterSeq?: number;
    signal?: AbortSignal;
  }): AsyncGenerator<JobEvent> {
    const { tenantId, jobId, signal } = options;
    const lastSeq = new Map<string, number>();
    const pendingJobs = new Set<string>();
    let wake: (() => void) | undefined;
    const handler: NotificationHandler = (n) => {
      if (n.tenantId !== tenantId || (jobId && n.jobId !== jobId)) return;
      pendingJobs.add(n.jobId);
      wake?.();
    };
    const onAbort = () => wake?.();
    this.#handlers.add(handler);
    signal?.addEventListener('abort', onAbort);
    try {
      // listen before reading history: an event committed in between is then seen twice at
      // worst, and the per-job seq filter drops the duplicate
      await this.#ensureListening();
      if (jobId) {
        lastSeq.set(jobId, options.afterSeq ?? 0);
        pendingJobs.add(jobId);
      }
      while (!signal?.aborted) {
        if (pendingJobs.size === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        const jobIds = [...pendingJobs];
        pendingJobs.clear();
        for (const id of jobIds) {
          const events = await this.#database.withTenant(tenantId, (tx) => listJobEvents(tx, id, lastSeq.get(id) ?? 0));
          for (const event of events) {
            lastSeq.set(id, event.seq);
            yield event;
            if (jobId && TERMINAL_EVENT_TYPES.has(event.type)) return;
          }
          if (events.length === 1000) pendingJobs.add(id);
        }
      }
    } finally {
      this.#handlers.delete(handler);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    const unlisten = this.#unlisten;
    this.#unlisten = undefined;
    if (unlisten) await (await unlisten)();
  }
}
