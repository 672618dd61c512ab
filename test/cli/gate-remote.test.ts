/**
 * `antidote scan --remote`: the same gate through the GraphQL API with an API key (upload,
 * register, scan, wait on the job's graphql-ws subscription), against a test gateway with an in-process worker.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { plainCnnOnnx } from '@antidote/core/convert';
import { exportImageArchive, loadBuiltinDataset, stratifiedSample } from '@antidote/core/datasets';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import type { RunningWorker } from '@antidote/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../platform/client.ts';
import { startTestWorker } from '../platform/worker.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['apps/cli/bin/antidote.mjs', ...args], { cwd: ROOT, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('antidote scan --remote', { timeout: 600_000 }, () => {
  let gw: TestGateway;
  let worker: RunningWorker;
  let dir: string;
  let key: string;

  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite' });
    worker = await startTestWorker(gw, 'remote-worker', 200);
    const api = apiClient(gw.url, (await gw.signUp('ci', 'owner')).token);
    const { createApiKey } = await api.gql<{ createApiKey: { secret: string } }>(
      'mutation { createApiKey(input: { name: "ci", role: ANALYST }) { secret userErrors { code message } } }',
    );
    key = createApiKey.secret;
    dir = await mkdtemp(path.join(tmpdir(), 'antidote-remote-'));
    // a PGlite gateway migrates and a worker loads tfjs: minutes on two cores busy with benchmarks
  }, 600_000);
  afterAll(async () => {
    await worker?.stop();
    await gw?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('uploads, scans on the server and exits with the verdict; a wrong key is bad input', async () => {
    const model = path.join(dir, 'model.onnx');
    const trusted = path.join(dir, 'trusted.zip');
    await writeFile(model, plainCnnOnnx({ size: 28, seed: 4 }));
    await writeFile(trusted, exportImageArchive(stratifiedSample(loadBuiltinDataset('fashion-mnist').test, 0.01, 1).selected));
    const common = ['scan', model, '--trusted', trusted, '--remote', gw.url, '--json'];
    const junit = path.join(dir, 'junit.xml');
    const run = await runCli([
      ...common,
      '--api-key',
      key,
      '--steps',
      '3',
      '--reference-steps',
      '10',
      '--classes',
      '0,1',
      '--junit',
      junit,
    ]);
    const result = JSON.parse(run.stdout) as {
      verdict: string;
      jobId: string;
      fidelity: { top1Agreement: number };
      events: number;
      lastEvent: string;
    };
    expect(run.code).toBe({ clean: 0, suspicious: 1, backdoored: 2 }[result.verdict]);
    expect(result.fidelity.top1Agreement).toBe(1);
    // the end came on the job's graphql-ws stream: at least its start and its terminal event
    expect(result.lastEvent).toBe('succeeded');
    expect(result.events).toBeGreaterThanOrEqual(2);
    const report = await readFile(junit, 'utf8');
    expect(report).toContain(`failures="${result.verdict === 'clean' ? 0 : 1}"`);
    expect(report).toContain(result.jobId);
    const denied = await runCli([...common, '--api-key', 'not-a-key']);
    expect(denied.code).toBe(3);
  });
});
