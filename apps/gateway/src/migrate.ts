/**
 * One-shot deployment step, run as the database owner before gateways and workers start (a
 * compose service, a Kubernetes Job): applies the migrations, creates the job queue's tables,
 * then creates or updates the runtime login role those processes connect as. They cannot run
 * DDL themselves, so nothing they do can disable row-level security or the audit triggers.
 */
import { openDatabase, provisionRuntimeRole } from '@antidote/db';
import { JobQueue, QUEUE_SCHEMA } from '@antidote/jobs';
import { readMigrateEnv } from './env.ts';
import { createLogger } from './services.ts';

const env = readMigrateEnv();
const log = createLogger(env.LOG_LEVEL, 'migrate');
const database = await openDatabase({ url: env.DATABASE_URL, poolSize: 1 });
try {
  await JobQueue.install(database);
  await provisionRuntimeRole(database, {
    role: env.ANTIDOTE_RUNTIME_ROLE,
    password: env.ANTIDOTE_RUNTIME_PASSWORD,
    schemas: [QUEUE_SCHEMA],
  });
  log.info({ runtimeRole: env.ANTIDOTE_RUNTIME_ROLE }, 'database migrated; runtime role provisioned');
} catch (error) {
  log.fatal({ err: error }, 'migration failed');
  process.exitCode = 1;
} finally {
  await database.close();
}
