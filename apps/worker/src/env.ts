/** The only module of the worker that reads process.env; validated once at start. */
import { availableParallelism, hostname } from 'node:os';
import { databaseEnvShape } from '@antidote/db';
import { storageEnvShape } from '@antidote/storage';
import { z } from 'zod';

const schema = z.object({
  ...databaseEnvShape,
  ...storageEnvShape,
  /** Jobs run at once in this process. tfjs work is CPU/GPU bound: one per GPU or per 2 cores. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /**
   * Compute threads one job spreads over (CTI's classes, data-parallel training); default: the
   * cores this process is given, shared evenly by its WORKER_CONCURRENCY jobs.
   */
  WORKER_THREADS_PER_JOB: z.coerce.number().int().min(1).max(256).optional(),
  WORKER_ID: z.string().min(1).max(100).optional(),
  /** Preferred tfjs backend (tensorflow-gpu, tensorflow, wasm, cpu); default: the best that loads. */
  ANTIDOTE_BACKEND: z.string().optional(),
  ANTIDOTE_ALLOW_PRIVATE_WEBHOOKS: z
    .string()
    .optional()
    .transform((v) => v === '1' || v === 'true' || v === 'yes'),
  /** Liveness: heartbeat period and the silence after which a worker's jobs are retried elsewhere. */
  WORKER_HEARTBEAT_MS: z.coerce.number().int().min(200).default(15_000),
  WORKER_STALE_MS: z.coerce.number().int().min(1000).default(60_000),
  WORKER_MAINTENANCE_MS: z.coerce.number().int().min(500).default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type WorkerEnv = ReturnType<typeof readWorkerEnv>;

export function readWorkerEnv(source: Readonly<Record<string, string | undefined>> = process.env) {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new Error(
      `Invalid worker environment:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  }
  return {
    ...parsed.data,
    workerId: parsed.data.WORKER_ID ?? `${hostname()}-${process.pid}`,
    threadsPerJob:
      parsed.data.WORKER_THREADS_PER_JOB ?? Math.max(1, Math.floor(availableParallelism() / parsed.data.WORKER_CONCURRENCY)),
  };
}
