/** Standalone gateway process (production: many behind a load balancer, workers elsewhere). */

import { artifactStoreFromEnv } from '@antidote/storage';
import { readGatewayEnv } from './env.ts';
import { startGateway } from './server.ts';
import { assembleServices, createLogger, openDatabaseFromEnv } from './services.ts';

const env = readGatewayEnv();
const log = createLogger(env.LOG_LEVEL, 'gateway');
const database = await openDatabaseFromEnv(env);
const services = await assembleServices(env, { database, store: artifactStoreFromEnv(env), log });
const gateway = await startGateway(services, { host: env.HOST, port: env.PORT });
services.setPublicUrl(gateway.url);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await gateway.close();
    await services.hub.close();
    await services.queue.stop(5000);
    await database.close();
    process.exit(0);
  });
}
