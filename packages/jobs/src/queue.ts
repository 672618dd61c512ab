/**
 * pg-boss on the same database (PGlite or Postgres, through the Database's executeSql), so a
 * job is queued in the store that holds everything else and any number of workers on any
 * number of machines share it. One queue carries all analysis work; a message is only a
 * pointer {tenantId, jobId} to the jobs row, and its pg-boss id is the job id, so enqueuing
 * twice is harmless and `reconcile` can re-send anything a crash left behind.
 *
 * Fairness: pg-boss hands out the highest priority first, then the oldest. A job's priority is
 * minus the number of its tenant's jobs queued or running before it, so the queue serves every
 * tenant's first job, then every tenant's second, ...: a tenant that queued 500 jobs delays
 * another tenant's first job by at most the jobs already holding a slot.
 */
import { type Database, schema } from '@antidote/db';
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import PgBoss from 'pg-boss';
import { JOB_CATALOG, type JobKind } from './catalog.ts';

export const ANALYSIS_QUEUE = 'antidote-analysis';
/** The schema pg-boss keeps its tables in; the runtime role gets rights on it (roles.ts in db). */
export const QUEUE_SCHEMA = 'pgboss';

export interface QueueMessage {
  tenantId: string;
  jobId: string;
  kind: JobKind;
}

export interface DeliveredJob extends QueueMessage {
  /** 1 on the first delivery, 2 on the first retry, ... */
  attempt: number;
  retryLimit: number;
}

export interface JobQueueOptions {
  /** Overrides the catalog's time limits: tests use seconds to see a killed worker's job come back. */
  expireInSeconds?: Partial<Record<JobKind, number>>;
  retryDelaySeconds?: number;
  pollingIntervalSeconds?: number;
  maintenanceIntervalSeconds?: number;
  /** First delay of a message handed back because its tenant is at its running cap (doubles per deferral). */
  deferSeconds?: number;
  maxDeferSeconds?: number;
  /** Run pg-boss's maintenance (expiry, retention) in this process; default true. */
  supervise?: boolean;
}

export class JobQueue {
  readonly #boss: PgBoss;
  readonly #database: Database;
  readonly #options: JobQueueOptions;
  readonly #workers: string[] = [];

  private constructor(database: Database, boss: PgBoss, options: JobQueueOptions) {
    this.#database = database;
    this.#boss = boss;
    this.#options = options;
  }

  static async start(database: Database, options: JobQueueOptions = {}, onError?: (error: Error) => void): Promise<JobQueue> {
    const boss = new PgBoss({
      db: { executeSql: (text, values) => database.executeSql(text, values) },
      schema: QUEUE_SCHEMA,
      supervise: options.supervise ?? true,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
    });
    boss.on('error', (error: Error) => onError?.(error));
    await boss.start();
    if (!(await boss.getQueue(ANALYSIS_QUEUE))) {
      await boss.createQueue(ANALYSIS_QUEUE, { name: ANALYSIS_QUEUE, policy: 'standard' }).catch(async (error: unknown) => {
        // another process created it between our check and our create
        if (!(await boss.getQueue(ANALYSIS_QUEUE))) throw error;
      });
    }
    return new JobQueue(database, boss, options);
  }

  /**
   * Creates the queue's tables and queues as the owner, so that processes connecting as the
   * runtime role (which may not create tables) find them in place and run no DDL.
   */
  static async install(database: Database): Promise<void> {
    const queue = await JobQueue.start(database, { supervise: false });
    await queue.stop();
  }

  /** True when a message was sent, false when one with this job's id already exists. */
  async enqueue(job: { id: string; tenantId: string; kind: JobKind }): Promise<boolean> {
    const policy = JOB_CATALOG[job.kind].policy;
    const message: QueueMessage = { tenantId: job.tenantId, jobId: job.id, kind: job.kind };
    const id = await this.#boss.send(ANALYSIS_QUEUE, message, {
      id: job.id,
      priority: -(await this.#backlogBefore(job)),
      retryLimit: policy.retryLimit,
      retryDelay: this.#options.retryDelaySeconds ?? policy.retryDelaySeconds,
      retryBackoff: policy.retryBackoff,
      expireInSeconds: this.#options.expireInSeconds?.[job.kind] ?? policy.expireInSeconds,
    });
    return id !== null;
  }

  /** The tenant's jobs queued or running that were created before this one. */
  async #backlogBefore(job: { id: string; tenantId: string }): Promise<number> {
    const [row] = await this.#database.asService((tx) =>
      tx
        .select({ n: sql<number>`count(*)::int` })
        .from(schema.jobs)
        .where(
          and(
            eq(schema.jobs.tenantId, job.tenantId),
            inArray(schema.jobs.state, ['queued', 'running']),
            lt(schema.jobs.createdAt, sql`(select created_at from jobs where id = ${job.id})`),
          ),
        ),
    );
    return row?.n ?? 0;
  }

  /** Re-sends queued jobs older than `olderThanSeconds` (a crash between commit and send). */
  async reconcile(olderThanSeconds = 30): Promise<number> {
    const stranded = await this.#database.asService((tx) =>
      tx
        .select({ id: schema.jobs.id, tenantId: schema.jobs.tenantId, kind: schema.jobs.kind })
        .from(schema.jobs)
        .where(
          and(
            eq(schema.jobs.state, 'queued'),
            lt(schema.jobs.createdAt, sql`now() - make_interval(secs => ${olderThanSeconds})`),
          ),
        )
        .limit(500),
    );
    let sent = 0;
    for (const job of stranded) if (await this.enqueue(job)) sent++;
    return sent;
  }

  /**
   * Runs `handler` for delivered jobs, `concurrency` at a time. A handler that throws lets
   * pg-boss retry (with backoff) until the retry limit; one that returns completes the message.
   */
  async work(concurrency: number, handler: (job: DeliveredJob) => Promise<void>): Promise<void> {
    for (let i = 0; i < concurrency; i++) {
      const id = await this.#boss.work<QueueMessage>(
        ANALYSIS_QUEUE,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.#options.pollingIntervalSeconds ?? 1 },
        async ([job]) => {
          if (!job) return;
          await handler({ ...job.data, attempt: job.retryCount + 1, retryLimit: job.retryLimit });
        },
      );
      this.#workers.push(id);
    }
  }

  /**
   * Hands a delivered message back to the queue unstarted, to be fetched again after a delay
   * that doubles with each deferral of the same message (from `deferSeconds` up to
   * `maxDeferSeconds`): its id, priority and retry count stay, so cancel and retries still find
   * it. pg-boss has no "release" call; this is the state its fetch would have left, written on
   * its job table (pg-boss 10's schema, pinned in package.json). False when the message is no
   * longer active (it expired meanwhile).
   */
  async defer(jobId: string): Promise<boolean> {
    const { rows } = await this.#database.executeSql(
      `update ${QUEUE_SCHEMA}.job set
         state = (case when retry_count > 0 then 'retry' else 'created' end)::${QUEUE_SCHEMA}.job_state,
         started_on = null,
         start_after = now() + make_interval(secs => least($4::float8, $3::float8 * power(2, coalesce((data->>'deferrals')::int, 0)))),
         data = jsonb_set(data, '{deferrals}', to_jsonb(coalesce((data->>'deferrals')::int, 0) + 1))
       where name = $1 and id = $2 and state = 'active'
       returning id`,
      [ANALYSIS_QUEUE, jobId, this.#options.deferSeconds ?? 2, this.#options.maxDeferSeconds ?? 60],
    );
    return rows.length > 0;
  }

  /**
   * Makes the tenant's deferred messages due now: called when one of its jobs stops running, so
   * a freed slot is used at the next poll instead of after the deferral delay.
   */
  async wake(tenantId: string): Promise<number> {
    const { rows } = await this.#database.executeSql(
      `update ${QUEUE_SCHEMA}.job set start_after = now()
       where name = $1 and state < 'active' and start_after > now() and data ? 'deferrals' and data->>'tenantId' = $2
       returning id`,
      [ANALYSIS_QUEUE, tenantId],
    );
    return rows.length;
  }

  /**
   * Sets the time limit of a job's attempts (this one, and retries, which pg-boss runs from the
   * same row). pg-boss has no API for it; its job table's `expire_in` is what its maintenance reads.
   */
  async setExpiry(jobId: string, seconds: number): Promise<void> {
    await this.#database.executeSql('update pgboss.job set expire_in = make_interval(secs => $1) where name = $2 and id = $3', [
      seconds,
      ANALYSIS_QUEUE,
      jobId,
    ]);
  }

  /** The time limit pg-boss holds for a job, in seconds (null when it has no such job). */
  async expiry(jobId: string): Promise<number | null> {
    const { rows } = (await this.#database.executeSql(
      'select extract(epoch from expire_in)::float8 as seconds from pgboss.job where name = $1 and id = $2',
      [ANALYSIS_QUEUE, jobId],
    )) as { rows: { seconds: number }[] };
    return rows[0]?.seconds ?? null;
  }

  /** Fails the current attempt (pg-boss then retries it, if retries remain): used for jobs of dead workers. */
  async failAttempt(jobId: string, reason: string): Promise<void> {
    await this.#boss.fail(ANALYSIS_QUEUE, jobId, { reason });
  }

  async cancel(jobId: string): Promise<void> {
    await this.#boss.cancel(ANALYSIS_QUEUE, jobId).catch(() => {});
  }

  async state(jobId: string): Promise<string | null> {
    const job = await this.#boss.getJobById(ANALYSIS_QUEUE, jobId, { includeArchive: true });
    return job?.state ?? null;
  }

  /** Stops fetching; waits up to `timeoutMs` for running handlers. */
  async stop(timeoutMs = 10_000): Promise<void> {
    await this.#boss.stop({ graceful: true, wait: true, timeout: timeoutMs, close: false });
  }
}
