/** Standalone worker process: `WORKER_CONCURRENCY` jobs at a time from the shared queue. */
import { openDatabase } from '@antidote/db';
import { JobQueue } from '@antidote/jobs';
import { artifactStoreFromEnv } from '@antidote/storage';
import pino from 'pino';
import { readWorkerEnv } from './env.ts';
import { startWorker } from './worker.ts';

const env = readWorkerEnv();
const log = pino({ name: 'worker', level: env.LOG_LEVEL });
if (!env.DATABASE_URL) {
  // PGlite lives inside one process: a separate worker needs PostgreSQL (or use `antidote serve`)
  log.fatal('DATABASE_URL is required for a standalone worker; `antidote serve` runs one in-process on PGlite');
  process.exit(2);
}
const database = await openDatabase({ url: env.DATABASE_URL });
const store = artifactStoreFromEnv(env);
const queue = await JobQueue.start(database, {}, (error) => log.warn({ err: error }, 'queue error'));
const worker = await startWorker({
  database,
  store,
  queue,
  log,
  workerId: env.workerId,
  concurrency: env.WORKER_CONCURRENCY,
  threadsPerJob: env.threadsPerJob,
  backend: env.ANTIDOTE_BACKEND,
  allowPrivateWebhooks: env.ANTIDOTE_ALLOW_PRIVATE_WEBHOOKS,
  heartbeatMs: env.WORKER_HEARTBEAT_MS,
  staleAfterMs: env.WORKER_STALE_MS,
  maintenanceIntervalMs: env.WORKER_MAINTENANCE_MS,
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: running jobs are interrupted and retried elsewhere from their checkpoints');
    await worker.stop();
    await database.close();
    process.exit(0);
  });
}
