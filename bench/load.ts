/**
 * `npm run bench:load`: a bounded loopback load test of the dashboard's models page query against
 * 1 and 2 gateway processes (real `apps/gateway/src/main.ts` children) over one fresh local
 * PostgreSQL database. Writes bench/results/load.{json,md}.
 *
 * The same run first measures the gateway of an older commit (`--old=<ref>`, default the commit
 * before the per-request cost work; `--no-old` skips it): its tree is extracted with `git archive`
 * into a temporary folder once and runs against this checkout's node_modules, so OLD and NEW
 * answer the same database on the same machine minutes apart.
 *
 * Both process counts are measured behind the same in-script round-robin TCP proxy (one
 * autocannon, one latency histogram), plus 1 process direct, which prices the proxy hop. Every
 * process here (load generator, proxy, gateways, Postgres) shares the machine's cores.
 * `--profile` writes a V8 CPU profile of the NEW direct row's gateway to bench/results/tmp/.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { schema } from '@antidote/db';
import { createTestDatabase, type TestDatabase } from '@antidote/db/testing';
import { createSession, hashPassword } from '@antidote/gateway';
import autocannon from 'autocannon';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const resultsDir = path.join(here, 'results');

const quick = process.argv.includes('--quick');
const profile = process.argv.includes('--profile');
/** The gateway before one tenant transaction per request, cached credentials and prepared statements. */
const BASELINE_REF = '4c8863e';
const oldRef = process.argv.includes('--no-old')
  ? null
  : (process.argv.find((a) => a.startsWith('--old='))?.slice('--old='.length) ?? BASELINE_REF);
const MODELS = 200;
const CONNECTIONS = 16;
const DURATION_S = quick ? 4 : 15;
const WARMUP_S = quick ? 2 : 5;
const QUERY =
  'query ModelsPage { models(first: 20) { edges { node { id name health latestVersion { version sha256 } } } totalCount } }';

const log = (line: string) => process.stderr.write(`${line}\n`);

// ---- machine ---------------------------------------------------------------------------------

function machine() {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version };
}

/** Busy and total jiffies of the whole machine (every process, ours and everyone else's). */
function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** CPU seconds so far of every PostgreSQL server process on this machine, by pid. */
function postgresCpu(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue;
    }
    out.set(Number(entry), processCpuSeconds(Number(entry)));
  }
  return out;
}

function postgresCpuSince(before: Map<number, number>): number {
  let sum = 0;
  for (const [pid, seconds] of postgresCpu()) sum += seconds - (before.get(pid) ?? 0);
  return sum;
}

/** Peak resident set (VmHWM) of a live process, in MB. */
function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

// ---- database --------------------------------------------------------------------------------

/** One tenant, its owner's session, and MODELS models with one version each (half of them scanned). */
async function seed(database: TestDatabase): Promise<{ token: string }> {
  const email = `load-${randomBytes(3).toString('hex')}@example.test`;
  const password = randomBytes(12).toString('hex');
  const [tenant] = await database.asService((tx) => tx.insert(schema.tenants).values({ slug: 'load', name: 'Load' }).returning());
  const [user] = await database.asService(async (tx) =>
    tx
      .insert(schema.users)
      .values({ email, name: 'Load owner', passwordHash: await hashPassword(password) })
      .returning(),
  );
  if (!tenant || !user) throw new Error('seed: no tenant/user');
  const tenantId = tenant.id;
  await database.withTenant(tenantId, async (tx) => {
    await tx.insert(schema.memberships).values({ tenantId, userId: user.id, role: 'owner' });
    const now = Date.now();
    const models = await tx
      .insert(schema.models)
      .values(
        Array.from({ length: MODELS }, (_, i) => ({
          tenantId,
          name: `model-${String(i).padStart(3, '0')}`,
          description: 'seeded for bench:load',
          createdAt: new Date(now - i * 60_000),
        })),
      )
      .returning();
    const versions = await tx
      .insert(schema.modelVersions)
      .values(
        models.map((model, i) => ({
          tenantId,
          modelId: model.id,
          version: 1,
          artifactSha256: randomBytes(32).toString('hex'),
          format: 'tfjs-layers',
          inputShape: [28, 28, 1],
          numClasses: 10,
          paramCount: 155_786,
          createdAt: new Date(now - i * 60_000 + 1000),
        })),
      )
      .returning();
    await tx.insert(schema.findings).values(
      versions
        .filter((_, i) => i % 2 === 0)
        .map((version, i) => ({
          tenantId,
          modelVersionId: version.id,
          kind: 'detection' as const,
          method: 'cti',
          score: (i % 10) / 10,
          threshold: 0.5,
          verdict: i % 10 >= 5 ? ('backdoored' as const) : ('clean' as const),
        })),
    );
  });
  const session = await createSession(database, email, password);
  if (!session) throw new Error('seed: no session');
  return { token: session.token };
}

// ---- the old build ---------------------------------------------------------------------------

/**
 * The tree of `ref` in a temporary folder, built once per commit: `git archive`, then a
 * node_modules of links into this checkout's (the same dependencies) except the workspace
 * packages, which point into the old tree, so the old gateway runs its own db/jobs/storage code.
 */
function oldTree(ref: string): { root: string; commit: string } {
  const commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: root, encoding: 'utf8' }).trim();
  const tree = path.join(os.tmpdir(), `antidote-load-${commit.slice(0, 12)}`);
  const done = path.join(tree, '.extracted');
  if (!existsSync(done)) {
    rmSync(tree, { recursive: true, force: true });
    mkdirSync(tree, { recursive: true });
    const archive = execFileSync('git', ['archive', '--format=tar', commit], { cwd: root, maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', tree], { input: archive });
    const modules = path.join(root, 'node_modules');
    mkdirSync(path.join(tree, 'node_modules', '@antidote'), { recursive: true });
    for (const entry of readdirSync(modules)) {
      if (entry === '@antidote') continue;
      symlinkSync(path.join(modules, entry), path.join(tree, 'node_modules', entry));
    }
    // workspace links are relative (../../packages/db): the same link inside the old tree
    for (const entry of readdirSync(path.join(modules, '@antidote'))) {
      symlinkSync(readlinkSync(path.join(modules, '@antidote', entry)), path.join(tree, 'node_modules', '@antidote', entry));
    }
    writeFileSync(done, `${commit}\n`);
  }
  return { root: tree, commit };
}

// ---- gateway processes -----------------------------------------------------------------------

type Build = 'old' | 'new';

interface GatewayProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  port: number;
  output: string[];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `node --import tsx apps/gateway/src/main.ts`: what `npx tsx` runs, minus the npx and tsx
 * launcher processes, so the pid measured is the gateway itself.
 */
async function startGatewayProcess(
  databaseUrl: string,
  storageDir: string,
  secret: string,
  options: { cwd?: string; cpuProfileDir?: string } = {},
): Promise<GatewayProcess> {
  const port = await freePort();
  const prof = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', 'apps/gateway/src/main.ts'], {
    cwd: options.cwd ?? root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
      ANTIDOTE_RATE_LIMIT: '1000000',
      ANTIDOTE_SIGNING_SECRET: secret,
      ANTIDOTE_STORAGE_DIR: storageDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (!child.pid) throw new Error('gateway did not spawn');
  const gateway = { child, pid: child.pid, url: `http://127.0.0.1:${port}`, port, output };
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}:\n${output.join('')}`);
    try {
      const ready = await fetch(`${gateway.url}/readyz`);
      if (ready.ok) return gateway;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`gateway not ready after 300 s (a starved machine?):\n${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * SIGTERM, then SIGKILL after 10 s: main.ts does not exit on SIGTERM today (Apollo's own
 * termination handler stops the server and re-raises the signal, which main.ts's handler swallows
 * while its own gateway.close() never settles), so the fallback is what ends the process.
 */
async function stopGatewayProcess(gateway: GatewayProcess): Promise<void> {
  if (gateway.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => gateway.child.once('exit', () => resolve()));
  gateway.child.kill('SIGTERM');
  const timer = setTimeout(() => gateway.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

// ---- round-robin TCP proxy -------------------------------------------------------------------

/** Each accepted connection goes to the next backend; keep-alive then pins it there. */
async function startProxy(ports: number[]): Promise<{ url: string; close(): Promise<void> }> {
  let next = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const port = ports[next++ % ports.length] ?? 0;
    const upstream = net.connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---- load ------------------------------------------------------------------------------------

const isGoodBody = (body: string) => body.includes(`"totalCount":${MODELS}`) && !body.includes('"errors"');

function hammer(url: string, token: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY }),
    verifyBody: (body) => isGoodBody(String(body)),
  });
}

async function checkAnswer(url: string, token: string): Promise<void> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY }),
  });
  const text = await response.text();
  const edges = (JSON.parse(text) as { data?: { models?: { edges?: unknown[] } } }).data?.models?.edges?.length;
  if (response.status !== 200 || !isGoodBody(text) || edges !== 20) {
    throw new Error(`unexpected answer from ${url} (${response.status}): ${text.slice(0, 500)}`);
  }
}

interface Row {
  build: Build;
  gatewayProcesses: number;
  via: 'direct' | 'round-robin proxy';
  connections: number;
  durationSeconds: number;
  requests: number;
  requestsPerSec: number;
  latencyP50Seconds: number;
  latencyP90Seconds: number;
  latencyP99Seconds: number;
  latencyMaxSeconds: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  gatewayPeakRssMb: number[];
  peakRssMb: number;
  gatewayCpuSeconds: number[];
  /** autocannon + the proxy (this process). */
  loadGeneratorCpuSeconds: number;
  /** Every postgres server process on the machine (other users' tests included, if any). */
  postgresCpuSeconds: number;
  /** Busy CPU time of the whole machine during the row, and what is left after the above. */
  machineCpuSeconds: number;
  otherCpuSeconds: number;
  machineCpuBusyFraction: number;
  /** Gateway and PostgreSQL CPU time per good answer, in ms. */
  gatewayCpuMsPerRequest: number;
  postgresCpuMsPerRequest: number;
  /** The machine's 1-minute load average when the row ended (every process, everyone's). */
  loadAverage1m: number;
}

async function measure(build: Build, label: string, gateways: GatewayProcess[], token: string, via: Row['via']): Promise<Row> {
  const proxy = via === 'direct' ? null : await startProxy(gateways.map((g) => g.port));
  const target = proxy?.url ?? gateways[0]?.url ?? '';
  try {
    await checkAnswer(target, token);
    log(`  ${label}: warm-up ${WARMUP_S} s`);
    await hammer(target, token, WARMUP_S);
    const cpuBefore = gateways.map((g) => processCpuSeconds(g.pid));
    const selfBefore = process.cpuUsage();
    const machineBefore = machineCpu();
    const postgresBefore = postgresCpu();
    log(`  ${label}: ${DURATION_S} s at ${CONNECTIONS} connections`);
    const result = await hammer(target, token, DURATION_S);
    const self = process.cpuUsage(selfBefore);
    const machineAfter = machineCpu();
    const postgresSeconds = postgresCpuSince(postgresBefore);
    const gatewaySeconds = gateways.map((g, i) => processCpuSeconds(g.pid) - (cpuBefore[i] ?? 0));
    const selfSeconds = (self.user + self.system) / 1e6;
    const machineSeconds = (machineAfter.busy - machineBefore.busy) / CLOCK_TICKS;
    const round2 = (v: number) => Number(v.toFixed(2));
    const good = result['2xx'] - result.mismatches;
    const row: Row = {
      build,
      gatewayProcesses: gateways.length,
      via,
      connections: CONNECTIONS,
      durationSeconds: result.duration,
      requests: good,
      requestsPerSec: Number((good / result.duration).toFixed(1)),
      latencyP50Seconds: result.latency.p50 / 1000,
      latencyP90Seconds: result.latency.p90 / 1000,
      latencyP99Seconds: result.latency.p99 / 1000,
      latencyMaxSeconds: result.latency.max / 1000,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      mismatches: result.mismatches,
      gatewayPeakRssMb: gateways.map((g) => peakRssMb(g.pid)),
      peakRssMb: Math.max(...gateways.map((g) => peakRssMb(g.pid))),
      gatewayCpuSeconds: gatewaySeconds.map(round2),
      loadGeneratorCpuSeconds: round2(selfSeconds),
      postgresCpuSeconds: round2(postgresSeconds),
      machineCpuSeconds: round2(machineSeconds),
      otherCpuSeconds: round2(machineSeconds - selfSeconds - postgresSeconds - gatewaySeconds.reduce((a, b) => a + b, 0)),
      machineCpuBusyFraction: Number(
        ((machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total)).toFixed(3),
      ),
      gatewayCpuMsPerRequest: Number(((1000 * gatewaySeconds.reduce((a, b) => a + b, 0)) / Math.max(1, good)).toFixed(2)),
      postgresCpuMsPerRequest: Number(((1000 * postgresSeconds) / Math.max(1, good)).toFixed(2)),
      loadAverage1m: Number((os.loadavg()[0] ?? 0).toFixed(2)),
    };
    log(
      `  ${label}: ${row.requestsPerSec} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
        `errors ${row.errors}, non2xx ${row.non2xx}, mismatches ${row.mismatches}, RSS ${row.gatewayPeakRssMb.join('/')} MB, ` +
        `gateway ${row.gatewayCpuMsPerRequest} ms CPU/request, load ${row.loadAverage1m}`,
    );
    return row;
  } finally {
    await proxy?.close();
  }
}

// ---- revocation --------------------------------------------------------------------------------

async function gql(url: string, bearer: string, query: string, variables?: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
}

const refused = (answer: Awaited<ReturnType<typeof gql>>) => answer.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED';

/**
 * An API key used on both gateways (so both hold it in their credential caches), then revoked
 * through the first: the first must refuse it on the very next request, the second as soon as
 * the revocation reaches it. Returns how long the second took.
 */
async function revocationCheck(
  gateways: GatewayProcess[],
  token: string,
): Promise<{ sameGatewayRefused: boolean; otherGatewayMs: number }> {
  const [first, second] = gateways;
  if (!first || !second) throw new Error('revocation check needs two gateways');
  const made = await gql(
    first.url,
    token,
    'mutation { createApiKey(input: { name: "bench-revocation", role: VIEWER }) { secret apiKey { id } userErrors { code } } }',
  );
  const created = made.data?.createApiKey as { secret?: string; apiKey?: { id: string } } | undefined;
  if (!created?.secret || !created.apiKey) throw new Error(`revocation check: no key (${JSON.stringify(made)})`);
  const probe = '{ models(first: 1) { totalCount } }';
  for (let i = 0; i < 3; i++) {
    for (const gateway of [first, second]) {
      const answer = await gql(gateway.url, created.secret, probe);
      if (refused(answer) || answer.errors)
        throw new Error(`revocation check: key refused before revocation (${JSON.stringify(answer)})`);
    }
  }
  const revoked = await gql(
    first.url,
    token,
    'mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { userErrors { code } } }',
    {
      i: { id: created.apiKey.id },
    },
  );
  const started = performance.now();
  if (revoked.errors) throw new Error(`revocation check: revoke failed (${JSON.stringify(revoked)})`);
  const sameGatewayRefused = refused(await gql(first.url, created.secret, probe));
  for (;;) {
    if (refused(await gql(second.url, created.secret, probe))) break;
    if (performance.now() - started > 60_000)
      throw new Error('revocation check: the second gateway still accepts the key after 60 s');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return { sameGatewayRefused, otherGatewayMs: Number((performance.now() - started).toFixed(1)) };
}

// ---- report ----------------------------------------------------------------------------------

function markdown(report: { createdAt: string; machine: ReturnType<typeof machine>; rows: Row[]; notes: string[] }): string {
  const ms = (s: number) => (s * 1000).toFixed(1);
  const lines = [
    `# bench:load (${report.createdAt})`,
    '',
    `Machine: ${report.machine.cpuModel}, ${report.machine.cpus} cores, Node ${report.machine.node}. ` +
      `Query: the models page (\`models(first: 20)\` with health and latest version) on a tenant with ${MODELS} models, ` +
      `${CONNECTIONS} keep-alive connections, ${DURATION_S} s per row after a ${WARMUP_S} s warm-up, local PostgreSQL.`,
    '',
    '| build | gateways | via | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | non-2xx | bad bodies | peak RSS MB (per gateway) | ' +
      'gateway CPU ms/request | postgres CPU ms/request | CPU s: gateways | postgres | load gen + proxy | everything else | machine busy | load avg (1 min) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...report.rows.map(
      (r) =>
        `| ${r.build.toUpperCase()} | ${r.gatewayProcesses} | ${r.via} | ${r.requestsPerSec} | ${ms(r.latencyP50Seconds)} | ${ms(r.latencyP90Seconds)} | ` +
        `${ms(r.latencyP99Seconds)} | ${ms(r.latencyMaxSeconds)} | ${r.errors} | ${r.non2xx} | ${r.mismatches} | ` +
        `${r.gatewayPeakRssMb.join(' / ')} | ${r.gatewayCpuMsPerRequest} | ${r.postgresCpuMsPerRequest} | ` +
        `${r.gatewayCpuSeconds.join(' / ')} | ${r.postgresCpuSeconds} | ` +
        `${r.loadGeneratorCpuSeconds} | ${r.otherCpuSeconds} | ${Math.round(r.machineCpuBusyFraction * 100)}% | ${r.loadAverage1m} |`,
    ),
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
  ];
  return lines.join('\n');
}

// ---- main ------------------------------------------------------------------------------------

const createdAt = new Date().toISOString();
const loadAverageBefore = os.loadavg().map((v) => Number(v.toFixed(2)));
log(`bench:load: load average before start ${loadAverageBefore.join(' ')} on ${os.cpus().length} cores`);
const database = await createTestDatabase('postgres');
const storageDir = mkdtempSync(path.join(os.tmpdir(), 'antidote-load-'));
const secret = randomBytes(32).toString('hex');
const gateways: GatewayProcess[] = [];
const stopAll = async () => {
  await Promise.all(gateways.splice(0).map(stopGatewayProcess));
};
process.once('SIGINT', () => {
  void stopAll().finally(() => process.exit(130));
});
try {
  const url = database.url;
  if (!url) throw new Error('no database URL');
  log(`  seeding ${MODELS} models`);
  const { token } = await seed(database);
  const postgresVersion = String((await database.executeSql('show server_version')).rows[0]?.server_version ?? 'unknown');
  const rows: Row[] = [];
  const old = oldRef ? oldTree(oldRef) : null;
  const profileDir = profile ? path.join(resultsDir, 'tmp', `load-profile-${Date.now()}`) : undefined;

  // OLD and NEW alternate, one process each, so drift in the machine's other load hits both
  const rounds = quick ? 1 : 2;
  if (old) {
    log(`  OLD is ${old.commit.slice(0, 12)} (${oldRef}) from ${old.root}`);
    const oldGateway = await startGatewayProcess(url, storageDir, secret, { cwd: old.root });
    const newGateway = await startGatewayProcess(url, storageDir, secret, { cpuProfileDir: profileDir });
    gateways.push(oldGateway, newGateway);
    for (let round = 1; round <= rounds; round++) {
      rows.push(await measure('old', `OLD 1 gateway, direct (round ${round})`, [oldGateway], token, 'direct'));
      rows.push(await measure('new', `NEW 1 gateway, direct (round ${round})`, [newGateway], token, 'direct'));
    }
    await stopAll();
  } else {
    gateways.push(await startGatewayProcess(url, storageDir, secret, { cpuProfileDir: profileDir }));
    rows.push(await measure('new', 'NEW 1 gateway, direct', gateways, token, 'direct'));
    await stopAll();
  }

  // fresh processes, so peak RSS is per configuration
  gateways.push(await startGatewayProcess(url, storageDir, secret));
  rows.push(await measure('new', 'NEW 1 gateway, proxy', gateways, token, 'round-robin proxy'));
  await stopAll();
  gateways.push(await startGatewayProcess(url, storageDir, secret));
  gateways.push(await startGatewayProcess(url, storageDir, secret));
  rows.push(await measure('new', 'NEW 2 gateways, proxy', gateways, token, 'round-robin proxy'));
  log('  revocation: a key cached by both gateways, revoked through the first');
  const revocation = await revocationCheck(gateways, token);
  log(
    `  revocation: first gateway refused at once: ${revocation.sameGatewayRefused}; second after ${revocation.otherGatewayMs} ms`,
  );
  await stopAll();
  if (!revocation.sameGatewayRefused) throw new Error('the gateway that revoked a key still accepted it');

  const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);
  const direct = (build: Build) => rows.filter((r) => r.build === build && r.gatewayProcesses === 1 && r.via === 'direct');
  const oldRps = mean(direct('old').map((r) => r.requestsPerSec));
  const newRps = mean(direct('new').map((r) => r.requestsPerSec));
  const oldCpu = mean(direct('old').map((r) => r.gatewayCpuMsPerRequest));
  const newCpu = mean(direct('new').map((r) => r.gatewayCpuMsPerRequest));
  const oldPg = mean(direct('old').map((r) => r.postgresCpuMsPerRequest));
  const newPg = mean(direct('new').map((r) => r.postgresCpuMsPerRequest));
  const ratio = old ? Number((newRps / oldRps).toFixed(2)) : null;
  const loadGen = direct('new').map((r) => ({
    seconds: r.loadGeneratorCpuSeconds,
    share: r.loadGeneratorCpuSeconds / (os.cpus().length * r.durationSeconds),
    msPerRequest: (1000 * r.loadGeneratorCpuSeconds) / Math.max(1, r.requests),
  }));
  const one = rows.find((r) => r.build === 'new' && r.gatewayProcesses === 1 && r.via !== 'direct');
  const two = rows.find((r) => r.gatewayProcesses === 2);
  const speedup = one && two ? Number((two.requestsPerSec / one.requestsPerSec).toFixed(2)) : null;
  const notes = [
    ...(old
      ? [
          `OLD is commit ${old.commit.slice(0, 12)} (\`--old=${oldRef}\`), run from a \`git archive\` of it against the same node_modules, ` +
            `database and machine; OLD and NEW alternate (${rounds} round${rounds > 1 ? 's' : ''}) so drifting load from other work hits both. ` +
            `NEW / OLD, 1 gateway direct: ${ratio}x the requests per second (${newRps.toFixed(1)} vs ${oldRps.toFixed(1)}); ` +
            `gateway CPU per request ${newCpu.toFixed(2)} ms vs ${oldCpu.toFixed(2)} ms (${(oldCpu / newCpu).toFixed(2)}x less); ` +
            `PostgreSQL CPU per request ${newPg.toFixed(2)} ms vs ${oldPg.toFixed(2)} ms.`,
        ]
      : []),
    `The load generator (autocannon), the proxy, the gateways and PostgreSQL all share the same ${os.cpus().length} cores; ` +
      `load average before the run was ${loadAverageBefore.join(' ')} (the last column has it as each row ended). The CPU columns split each row's busy machine time ` +
      `(capacity ${os.cpus().length} x ${DURATION_S} s) between the gateways, PostgreSQL, this process and everything else ` +
      "running on the machine (other people's work): when the machine is saturated, a second gateway cannot add throughput. " +
      'CPU per request (gateway, PostgreSQL) depends least on that other work; req/s and latency depend on it most.',
    `The load generator (autocannon, in this process) used ${loadGen.map((l) => `${l.seconds} CPU-s`).join(', ')} in NEW's direct rows: ` +
      `${loadGen.map((l) => `${(100 * l.share).toFixed(1)}%`).join(', ')} of the machine's capacity, ` +
      `${loadGen.map((l) => l.msPerRequest.toFixed(3)).join(', ')} ms per request.`,
    '2 gateways are measured through a round-robin TCP proxy inside this script (one autocannon, one latency histogram); ' +
      '1 gateway is measured both direct and through the same proxy, so the two proxy rows compare like with like.',
    `2 processes vs 1 (NEW, both via proxy): ${speedup ?? 'n/a'}x the requests per second.`,
    'OLD: each request authenticates its session in a service-role transaction, then runs the page, the latest-version loader ' +
      'and the health loader, each in its own tenant transaction (BEGIN, SET LOCAL ROLE, set_config, queries, COMMIT). ' +
      'NEW: the session comes from the credential cache, and the whole query operation runs in one tenant transaction ' +
      'opened with one round trip; the page and the versions loader (two statements where OLD had three) are built once ' +
      'per connection as prepared statements; no per-field cache-control hooks, no ETag hashing; see docs/operations.md.',
    `Revocation (NEW, 2 gateways): an API key used on both was revoked through the first; the first refused it on the next request ` +
      `(${revocation.sameGatewayRefused}), the second ${revocation.otherGatewayMs} ms after the revoke returned (LISTEN/NOTIFY).`,
    'Latency percentiles are autocannon\'s (HdrHistogram, 1 ms resolution); "bad bodies" counts 200 answers without the 200 models.',
    ...(profileDir ? [`CPU profile of NEW's direct rows: ${path.relative(root, profileDir)}.`] : []),
  ];
  const report = {
    createdAt,
    machine: machine(),
    loadAverageBefore,
    config: {
      query: QUERY,
      models: MODELS,
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      warmupSeconds: WARMUP_S,
      database: 'postgres',
      postgresVersion,
      gatewayCommand: 'node --import tsx apps/gateway/src/main.ts (NODE_ENV=production, LOG_LEVEL=warn)',
      quick,
    },
    old: old ? { ref: oldRef, commit: old.commit } : null,
    newVsOldRequestsPerSec: ratio,
    gatewayCpuMsPerRequest: { old: oldCpu, new: newCpu },
    postgresCpuMsPerRequest: { old: oldPg, new: newPg },
    revocation,
    speedup2vs1: speedup,
    rows,
    notes,
  };
  mkdirSync(resultsDir, { recursive: true });
  const name = quick ? 'load-quick' : 'load';
  writeFileSync(path.join(resultsDir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, `${name}.md`), markdown(report));
  log(`  wrote bench/results/${name}.json and ${name}.md`);
  process.stdout.write(markdown(report));
} finally {
  await stopAll();
  await database.close();
  rmSync(storageDir, { recursive: true, force: true });
}
