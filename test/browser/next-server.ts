/**
 * The built dashboard as a `next start` child process for tests that drive it over HTTP or in
 * chromium. Builds first when `.next` holds no build (`npm test` builds through turbo; a bare
 * `vitest run` may not have).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const dashboardDir = path.join(repoRoot, 'apps', 'dashboard');
const nextBin = path.join(
  path.dirname(createRequire(path.join(dashboardDir, 'package.json')).resolve('next/package.json')),
  'dist',
  'bin',
  'next',
);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function runNext(args: string[], env: Record<string, string>): ChildProcess {
  // its own process group, so teardown can end next and anything it forks, and nothing else
  return spawn(process.execPath, [nextBin, ...args], {
    cwd: dashboardDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

function stopGroup(child: ChildProcess): Promise<void> {
  if (!child.pid || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const pid = child.pid;
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
      resolve();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      clearTimeout(force);
      resolve();
    }
  });
}

export interface RunningDashboard {
  origin: string;
  log: string[];
  stop(): Promise<void>;
}

/**
 * `next start` on `port` (a free one by default) talking to the gateway at `gatewayUrl`; resolves
 * once it answers. A loaded CI machine (or a test training a fixture in this process meanwhile)
 * can take minutes to boot it, hence the patient default.
 */
export async function startDashboard(gatewayUrl: string, port?: number, readyTimeoutMs = 300_000): Promise<RunningDashboard> {
  port ??= await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    GATEWAY_URL: gatewayUrl,
    NEXT_PUBLIC_GATEWAY_URL: gatewayUrl,
    NEXTAUTH_URL: origin,
    NEXTAUTH_SECRET: randomBytes(24).toString('hex'),
    DASHBOARD_PORT: String(port),
  };
  if (!existsSync(path.join(dashboardDir, '.next', 'BUILD_ID'))) {
    const build = runNext(['build'], env);
    const output: string[] = [];
    build.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    build.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    const code = await new Promise<number | null>((resolve) => build.once('exit', resolve));
    if (code !== 0) throw new Error(`next build failed (${code}):\n${output.join('').slice(-4000)}`);
  }
  const log: string[] = [];
  const next = runNext(['start', '-p', String(port), '-H', '127.0.0.1'], env);
  next.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  next.stderr?.on('data', (d: Buffer) => log.push(`[stderr] ${d}`));
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (next.exitCode !== null) throw new Error(`next start exited (${next.exitCode}):\n${log.join('')}`);
    const ready = await fetch(`${origin}/api/auth/csrf`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stopGroup(next);
      throw new Error(`next start not ready after ${readyTimeoutMs / 1000} s:\n${log.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { origin, log, stop: () => stopGroup(next) };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
