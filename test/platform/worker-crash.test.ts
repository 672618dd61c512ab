/**
 * Kill -9 a worker process mid-repair: the job must be retried by another worker, resume from
 * its last checkpoint, finish, and its event history must have no gap and no duplicate.
 * Runs on PostgreSQL (a PGlite database cannot be shared between processes).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { JobQueue } from '@antidote/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, apiClient } from './client.ts';
import { backdooredFashionMnist } from './fixtures.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function startWorkerProcess(gw: TestGateway, id: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/worker/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: gw.database.url ?? '',
      ANTIDOTE_STORAGE_DIR: gw.storageDir,
      WORKER_ID: id,
      WORKER_CONCURRENCY: '1',
      WORKER_HEARTBEAT_MS: '500',
      WORKER_STALE_MS: '3000',
      WORKER_MAINTENANCE_MS: '1000',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', () => {});
  return child;
}

interface Event {
  seq: number;
  type: string;
  step: number | null;
  message: string | null;
}

describe('a worker killed mid-repair (PostgreSQL, worker processes)', { timeout: 600_000 }, () => {
  let gw: TestGateway;
  let api: ApiClient;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'postgres' });
    // the retry delay is the only wait between the reaper failing the dead attempt and the retry
    await gw.services.queue.stop(1000);
    gw.services.queue = await JobQueue.start(gw.database, { supervise: false, retryDelaySeconds: 1 });
    const owner = await gw.signUp('crash', 'owner');
    api = apiClient(gw.url, owner.token);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await gw?.close();
  });

  it('retries the job on another worker, resumes from the checkpoint, and loses no event', async () => {
    const fixture = await backdooredFashionMnist();
    const modelUpload = await api.upload('MODEL', 'victim.zip', fixture.modelZip);
    const { registerModel } = await api.gql<{ registerModel: { version: { id: string } } }>(
      'mutation($u: ID!) { registerModel(input: { name: "victim", uploadId: $u }) { version { id } userErrors { message } } }',
      { u: modelUpload },
    );
    const datasetUpload = await api.upload('DATASET', 'trusted.zip', fixture.trustedZip);
    const { registerDataset } = await api.gql<{ registerDataset: { dataset: { id: string } } }>(
      'mutation($u: ID!) { registerDataset(input: { name: "trusted", uploadId: $u }) { dataset { id } userErrors { message } } }',
      { u: datasetUpload },
    );
    const first = startWorkerProcess(gw, 'doomed');
    children.push(first);
    const { startRepair } = await api.gql<{ startRepair: { job: { id: string } } }>(
      'mutation($i: StartRepairInput!) { startRepair(input: $i) { job { id } userErrors { message } } }',
      {
        i: { modelVersionId: registerModel.version.id, datasetId: registerDataset.dataset.id, method: 'FINE_TUNING', steps: 200 },
      },
    );
    const jobId = startRepair.job.id;
    const events = () =>
      api.gql<{ node: { state: string; attempts: number; events: Event[] } }>(
        'query($id: ID!) { node(id: $id) { ... on Job { state attempts events { seq type step message } } } }',
        { id: jobId },
      );
    await expect
      .poll(async () => (await events()).node.events.some((e) => e.type === 'checkpoint'), { timeout: 240_000, interval: 250 })
      .toBe(true);
    first.kill('SIGKILL');
    const checkpointStep = Math.max(
      ...(await events()).node.events.filter((e) => e.type === 'checkpoint').map((e) => e.step ?? 0),
    );
    expect(checkpointStep).toBeGreaterThan(0);

    children.push(startWorkerProcess(gw, 'rescuer'));
    await expect.poll(async () => (await events()).node.state, { timeout: 300_000, interval: 500 }).toBe('SUCCEEDED');
    const final = await events();
    const seqs = final.node.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const types = final.node.events.map((e) => e.type);
    expect(types.filter((t) => t === 'started')).toHaveLength(2);
    expect(types).toContain('retrying');
    expect(types.filter((t) => t === 'succeeded')).toHaveLength(1);
    expect(final.node.attempts).toBe(2);
    const { node } = await api.gql<{ node: { findings: { details: { resumedFromStep: number | null } }[] } }>(
      'query($id: ID!) { node(id: $id) { ... on Job { findings { details } } } }',
      { id: jobId },
    );
    expect(node.findings[0]?.details.resumedFromStep).toBe(checkpointStep);
  });
});
