/** An in-process worker on a test gateway's database, store and queue (one slot, quiet logs). */
import type { TestGateway } from '@antidote/gateway/testing';
import { type RunningWorker, startWorker } from '@antidote/worker';
import pino from 'pino';

export function startTestWorker(gw: TestGateway, workerId: string, progressIntervalMs: number): Promise<RunningWorker> {
  return startWorker({
    database: gw.database,
    store: gw.services.store,
    queue: gw.services.queue,
    log: pino({ level: 'silent' }),
    workerId,
    concurrency: 1,
    allowPrivateWebhooks: true,
    progressIntervalMs,
  });
}
