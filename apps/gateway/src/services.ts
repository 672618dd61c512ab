/** Opens what the gateway needs from its validated env: database, artifact store, queue, event hub. */
import { mkdirSync } from 'node:fs';
import { type Database, type DatabaseEnv, openDatabase } from '@antidote/db';
import { JobEventHub, JobQueue } from '@antidote/jobs';
import type { ArtifactStore } from '@antidote/storage';
import pino, { type Logger } from 'pino';
import type { GatewayServices } from './context.ts';
import { createCredentialCache } from './credentials.ts';
import type { GatewayEnv } from './env.ts';

/** Credentials and bound query parameters never reach the log, whatever object carries them. */
const REDACTED_PATHS = [
  'authorization',
  'password',
  'token',
  'secret',
  '*.authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.headers.authorization',
  'err.params',
  'err.cause.params',
  'err.query',
  'err.cause.query',
];

export function createLogger(level: string, name: string): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}

export async function openDatabaseFromEnv(env: DatabaseEnv): Promise<Database> {
  if (!env.DATABASE_URL) mkdirSync(env.ANTIDOTE_DATA_DIR, { recursive: true });
  return openDatabase({ url: env.DATABASE_URL, dataDir: env.DATABASE_URL ? undefined : env.ANTIDOTE_DATA_DIR });
}

/** Everything but the public URL, which is known once the server listens. */
export async function assembleServices(
  env: GatewayEnv,
  parts: { database: Database; store: ArtifactStore; log: Logger; queue?: JobQueue },
): Promise<GatewayServices & { setPublicUrl(url: string): void }> {
  const queue =
    parts.queue ??
    (await JobQueue.start(parts.database, { supervise: false }, (error) => parts.log.warn({ err: error }, 'queue error')));
  let publicUrl = env.PUBLIC_URL ?? '';
  return {
    database: parts.database,
    store: parts.store,
    queue,
    hub: new JobEventHub(parts.database),
    credentials: createCredentialCache(parts.database, { ttlSeconds: env.ANTIDOTE_AUTH_CACHE_SECONDS }),
    env,
    log: parts.log,
    publicUrl: () => publicUrl,
    setPublicUrl(url: string) {
      if (!env.PUBLIC_URL) publicUrl = url;
    },
  };
}
