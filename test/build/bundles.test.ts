/**
 * The production bundles (scripts/build-apps.mjs) run with plain node: the CLI bundle reports its
 * runtime, the gateway bundle serves GraphQL after migrating an embedded database, and the worker's
 * thread bundle (loaded by URL next to the main bundle) runs task code, and so does core's compute thread.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'antidote-bundle-'));

describe('production bundles', () => {
  beforeAll(async () => {
    await run(process.execPath, ['scripts/build-apps.mjs'], { cwd: root });
  }, 120_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('the CLI bundle runs without tsx', async () => {
    const { stdout } = await run(process.execPath, ['apps/cli/dist/main.mjs', 'runtime', '--json'], { cwd: root });
    expect(JSON.parse(stdout)).toMatchObject({ backend: expect.any(String) });
  }, 60_000);

  it('serves GraphQL from the bundles on a freshly migrated database', async () => {
    const port = 4300 + Math.floor(Math.random() * 500);
    const child = spawn(
      process.execPath,
      ['apps/cli/dist/main.mjs', 'serve', '--no-dashboard', '--port', String(port), '--data-dir', dataDir],
      { cwd: root, stdio: 'ignore' },
    );
    try {
      let ready: unknown = null;
      for (let i = 0; i < 120 && !ready; i++) {
        await new Promise((r) => setTimeout(r, 500));
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => (r.ok ? r.json() : null),
          () => null,
        );
      }
      expect(ready).toMatchObject({ ok: true, database: 'pglite' });
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    } finally {
      child.kill('SIGTERM');
    }
  }, 120_000);

  it.each(['worker', 'cli'])(
    'the %s bundle has a task thread that runs task code',
    async (app) => {
      const worker = new Worker(path.join(root, 'apps', app, 'dist', 'entry.mjs'), {
        workerData: { task: 'evaluate', input: { modelBytes: new Uint8Array([1, 2, 3]) }, backend: 'cpu' },
      });
      const message = await new Promise<{ type: string; error?: { code: string } }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      await worker.terminate();
      expect(message).toMatchObject({ type: 'error', error: { code: 'INVALID_INPUT' } });
    },
    60_000,
  );

  it.each(['worker', 'cli'])(
    "the %s bundle has core's compute thread next to it",
    async (app) => {
      const worker = new Worker(path.join(root, 'apps', app, 'dist', 'pool-thread.mjs'), {
        workerData: { index: 0, threads: 1, backend: 'cpu', handlerModules: [] },
      });
      const ready = await new Promise<unknown>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      worker.postMessage({ type: 'call', id: 1, handler: 'memory', payload: null });
      const answer = await new Promise<unknown>((resolve) => worker.once('message', resolve));
      await worker.terminate();
      expect(ready).toEqual({ type: 'ready', backend: 'cpu' });
      expect(answer).toMatchObject({ type: 'result', id: 1, value: { numTensors: expect.any(Number) } });
    },
    60_000,
  );
});
