/**
 * `antidote serve` (and `npm start`): the whole product on this machine with zero setup:
 * gateway + an in-process worker pool on embedded PGlite and a local artifact folder, the
 * dashboard as a child process, and with --demo a seeded tenant whose scan and repair run live.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { schema } from '@antidote/db';
import {
  assembleServices,
  createLogger,
  createSession,
  hashPassword,
  openDatabaseFromEnv,
  readGatewayEnv,
  startGateway,
} from '@antidote/gateway';
import { JobQueue } from '@antidote/jobs';
import { artifactStoreFromEnv } from '@antidote/storage';
import { readWorkerEnv, startWorker } from '@antidote/worker';
import { eq } from 'drizzle-orm';
import type { CommandContext } from '../context.ts';
import { serviceEnvSource } from '../env.ts';
import { graphqlClient, prepareDemoArtifacts, seedDemoThroughApi } from '../service-demo.ts';

export interface ServeOptions {
  host: string;
  port: number;
  dashboard: boolean;
  dashboardPort: number;
  demo: boolean;
  dataDir?: string;
}

const DEMO_EMAIL = 'demo@antidote.local';
const dashboardDir = fileURLToPath(new URL('../../../dashboard', import.meta.url));

/** Creates (once) the demo tenant and user; sets a fresh password each start and returns it. */
async function ensureDemoUser(database: Awaited<ReturnType<typeof openDatabaseFromEnv>>) {
  const password = `demo-${randomBytes(6).toString('base64url')}`;
  const passwordHash = await hashPassword(password);
  await database.asService(async (tx) => {
    let [tenant] = await tx.select().from(schema.tenants).where(eq(schema.tenants.slug, 'demo'));
    tenant ??= (await tx.insert(schema.tenants).values({ slug: 'demo', name: 'Demo ML team' }).returning())[0];
    let [user] = await tx.select().from(schema.users).where(eq(schema.users.email, DEMO_EMAIL));
    if (user) await tx.update(schema.users).set({ passwordHash }).where(eq(schema.users.id, user.id));
    else user = (await tx.insert(schema.users).values({ email: DEMO_EMAIL, name: 'Demo analyst', passwordHash }).returning())[0];
    if (!tenant || !user) throw new Error('demo seed failed');
    await tx.insert(schema.memberships).values({ tenantId: tenant.id, userId: user.id, role: 'owner' }).onConflictDoNothing();
  });
  return { email: DEMO_EMAIL, password };
}

function startDashboard(ctx: CommandContext, options: ServeOptions, gatewayUrl: string): { stop(): void } | null {
  if (!existsSync(path.join(dashboardDir, 'package.json'))) {
    ctx.output.note('dashboard app not found; serving the API only');
    return null;
  }
  const nextBin = path.join(path.dirname(fileURLToPath(import.meta.resolve('next/package.json'))), 'dist', 'bin', 'next');
  const env = {
    ...serviceEnvSource(),
    NEXT_TELEMETRY_DISABLED: '1',
    GATEWAY_URL: gatewayUrl,
    NEXT_PUBLIC_GATEWAY_URL: gatewayUrl,
    PUBLIC_GATEWAY_URL: gatewayUrl,
    NEXTAUTH_URL: `http://${options.host}:${options.dashboardPort}`,
    NEXTAUTH_SECRET: randomBytes(24).toString('hex'),
    PORT: String(options.dashboardPort),
  };
  const built = existsSync(path.join(dashboardDir, '.next', 'BUILD_ID'));
  const run = (args: string[]) =>
    spawn(process.execPath, [nextBin, ...args], { cwd: dashboardDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let child: ChildProcess;
  const launch = () => {
    child = run(['start', '-p', String(options.dashboardPort), '-H', options.host]);
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[dashboard] ${d}`));
    ctx.output.note(`dashboard: http://${options.host}:${options.dashboardPort}`);
  };
  if (built) {
    launch();
  } else {
    ctx.output.note('building the dashboard (first start only, ~1 min)...');
    child = run(['build']);
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[dashboard build] ${d}`));
    child.on('exit', (code) => {
      if (code === 0) launch();
      else ctx.output.note(`dashboard build failed (exit ${code}); the API still runs`);
    });
  }
  return { stop: () => child.kill('SIGTERM') };
}

export async function serveCommand(options: ServeOptions, ctx: CommandContext): Promise<void> {
  const root = path.resolve(ctx.env.initCwd ?? process.cwd(), options.dataDir ?? '.antidote');
  const source = {
    ...serviceEnvSource(),
    ANTIDOTE_DATA_DIR: path.join(root, 'data'),
    ANTIDOTE_STORAGE_DIR: path.join(root, 'artifacts'),
    HOST: options.host,
    PORT: String(options.port),
    ANTIDOTE_CORS_ORIGINS: `http://${options.host}:${options.dashboardPort},http://localhost:${options.dashboardPort},http://127.0.0.1:${options.dashboardPort}`,
    LOG_LEVEL: serviceEnvSource().LOG_LEVEL ?? 'warn',
  };
  const env = readGatewayEnv(source);
  const workerEnv = readWorkerEnv(source);
  const log = createLogger(env.LOG_LEVEL, 'antidote');
  const database = await openDatabaseFromEnv(env);
  const store = artifactStoreFromEnv(env);
  const queue = await JobQueue.start(database, {}, (error) => log.warn({ err: error }, 'queue error'));
  const services = await assembleServices(env, { database, store, log, queue });
  const gateway = await startGateway(services, { host: env.HOST, port: env.PORT });
  services.setPublicUrl(gateway.url);
  ctx.output.note(
    `API: ${gateway.url}/graphql  (${database.kind === 'pglite' ? `embedded PGlite in ${env.ANTIDOTE_DATA_DIR}` : 'PostgreSQL'})`,
  );
  const worker = await startWorker({
    database,
    store,
    queue,
    log,
    workerId: workerEnv.workerId,
    concurrency: workerEnv.WORKER_CONCURRENCY,
    threadsPerJob: workerEnv.threadsPerJob,
    backend: workerEnv.ANTIDOTE_BACKEND,
    allowPrivateWebhooks: workerEnv.ANTIDOTE_ALLOW_PRIVATE_WEBHOOKS,
    heartbeatMs: workerEnv.WORKER_HEARTBEAT_MS,
    staleAfterMs: workerEnv.WORKER_STALE_MS,
    maintenanceIntervalMs: workerEnv.WORKER_MAINTENANCE_MS,
  });
  ctx.output.note(
    `worker: ${workerEnv.WORKER_CONCURRENCY} slot(s) on the ${worker.backend} backend, ${workerEnv.threadsPerJob} thread(s) per job`,
  );
  const dashboard = options.dashboard ? startDashboard(ctx, options, gateway.url) : null;

  const stopped = new Promise<void>((resolve) => {
    ctx.cancellation.signal.addEventListener('abort', () => resolve(), { once: true });
  });

  if (options.demo) {
    const { email, password } = await ensureDemoUser(database);
    ctx.output.note(`demo sign-in: ${email} / ${password}`);
    const artifacts = await prepareDemoArtifacts(
      path.join(root, 'demo-service'),
      (text) => ctx.output.note(text),
      ctx.cancellation.signal,
    );
    const measured = `clean accuracy ${(artifacts.cda * 100).toFixed(1)}%, attack success ${artifacts.asr === null ? '?' : (artifacts.asr * 100).toFixed(1)}%`;
    ctx.output.note(`demo model: BadNets-backdoored Fashion-MNIST CNN, ${measured}${artifacts.trained ? '' : ' (cached)'}`);
    const session = await createSession(database, email, password);
    if (!session) throw new Error('demo sign-in failed');
    const seeded = await seedDemoThroughApi(graphqlClient(gateway.url, session.token), artifacts);
    ctx.output.note(
      `demo scan and repair started (jobs ${seeded.scanJobId}, ${seeded.repairJobId}); watch them on the dashboard`,
    );
  }
  ctx.output.note('press Ctrl-C to stop');
  await stopped;
  ctx.output.note('stopping...');
  dashboard?.stop();
  await worker.stop();
  await gateway.close();
  await services.hub.close();
  await database.close();
}
