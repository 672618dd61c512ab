/**
 * Kill -9 a worker process mid-job: the job must be retried by another worker, resume from its
 * last checkpoint, finish, and its event history must have no gap and no duplicate. A repair
 * resumes at its last training step; a scan keeps its reference repair and the classes it had
 * inverted. Runs on PostgreSQL (a PGlite database cannot be shared between processes).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { JobQueue } from '@antidote/jobs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, apiClient } from './client.ts';
import { backdooredFashionMnist } from './fixtures.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function startWorkerProcess(gw: TestGateway, id: string, env: Record<string, string> = {}): ChildProcess {
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
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', () => {});
  return child;
}

interface Event {
  seq: number;
  type: string;
  phase: string | null;
  step: number | null;
  message: string | null;
}

describe('a worker killed mid-job (PostgreSQL, worker processes)', { timeout: 1_800_000 }, () => {
  let gw: TestGateway;
  let api: ApiClient;
  let inputs: { modelVersionId: string; datasetId: string };
  const children: ChildProcess[] = [];

  const startWorker = (id: string, env?: Record<string, string>) => {
    const child = startWorkerProcess(gw, id, env);
    children.push(child);
    return child;
  };
  const job = (jobId: string) =>
    api.gql<{ node: { state: string; attempts: number; events: Event[] } }>(
      'query($id: ID!) { node(id: $id) { ... on Job { state attempts events { seq type phase step message } } } }',
      { id: jobId },
    );
  const checkpointSteps = (events: Event[]) => events.filter((e) => e.type === 'checkpoint').map((e) => e.step ?? 0);
  /** Waits for a checkpoint at `minStep` or later, kills the worker, and returns the job's events as the kill left them. */
  async function killAfterCheckpoint(worker: ChildProcess, jobId: string, minStep: number): Promise<Event[]> {
    await expect
      .poll(async () => Math.max(-1, ...checkpointSteps((await job(jobId)).node.events)), { timeout: 600_000, interval: 250 })
      .toBeGreaterThanOrEqual(minStep);
    const exited = once(worker, 'exit');
    worker.kill('SIGKILL');
    await exited;
    return (await job(jobId)).node.events;
  }
  /** Waits for the retried job to succeed; its events are numbered 1..n and it ran twice. */
  async function finishedAfterRetry(jobId: string): Promise<Event[]> {
    await expect.poll(async () => (await job(jobId)).node.state, { timeout: 600_000, interval: 500 }).toBe('SUCCEEDED');
    const final = await job(jobId);
    const seqs = final.node.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const types = final.node.events.map((e) => e.type);
    expect(types.filter((t) => t === 'started')).toHaveLength(2);
    expect(types).toContain('retrying');
    expect(types.filter((t) => t === 'succeeded')).toHaveLength(1);
    expect(final.node.attempts).toBe(2);
    return final.node.events;
  }

  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'postgres' });
    // the retry delay is the only wait between the reaper failing the dead attempt and the retry
    await gw.services.queue.stop(1000);
    gw.services.queue = await JobQueue.start(gw.database, { supervise: false, retryDelaySeconds: 1 });
    const owner = await gw.signUp('crash', 'owner');
    api = apiClient(gw.url, owner.token);
    // the fixture trains here: minutes on a loaded machine
    const fixture = await backdooredFashionMnist();
    const { registerModel } = await api.gql<{ registerModel: { version: { id: string } } }>(
      'mutation($u: ID!) { registerModel(input: { name: "victim", uploadId: $u }) { version { id } userErrors { message } } }',
      { u: await api.upload('MODEL', 'victim.zip', fixture.modelZip) },
    );
    const { registerDataset } = await api.gql<{ registerDataset: { dataset: { id: string } } }>(
      'mutation($u: ID!) { registerDataset(input: { name: "trusted", uploadId: $u }) { dataset { id } userErrors { message } } }',
      { u: await api.upload('DATASET', 'trusted.zip', fixture.trustedZip) },
    );
    inputs = { modelVersionId: registerModel.version.id, datasetId: registerDataset.dataset.id };
  }, 300_000);
  // each case starts with no worker, so its job goes to the worker it means to kill
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('retries a repair on another worker, resumes from the checkpoint, and loses no event', async () => {
    const first = startWorker('doomed');
    const { startRepair } = await api.gql<{ startRepair: { job: { id: string } } }>(
      'mutation($i: StartRepairInput!) { startRepair(input: $i) { job { id } userErrors { message } } }',
      // with a known attack no verification scan follows the repair (it would outlive this case)
      { i: { ...inputs, method: 'FINE_TUNING', steps: 200, knownAttack: { name: 'badnets', targetClass: 0 } } },
    );
    const jobId = startRepair.job.id;
    const checkpointStep = Math.max(...checkpointSteps(await killAfterCheckpoint(first, jobId, 1)));

    startWorker('rescuer');
    await finishedAfterRetry(jobId);
    const { node } = await api.gql<{ node: { findings: { details: { resumedFromStep: number | null } }[] } }>(
      'query($id: ID!) { node(id: $id) { ... on Job { findings { details } } } }',
      { id: jobId },
    );
    expect(node.findings[0]?.details.resumedFromStep).toBe(checkpointStep);
  });

  it('retries a scan on another worker, keeps the classes it had inverted, and ends like an uninterrupted scan', async () => {
    // one thread per job: classes are inverted one after another, so the kill falls between them
    const oneThread = { WORKER_THREADS_PER_JOB: '1' };
    const candidateClasses = [0, 1, 2];
    const scanInput = { ...inputs, candidateClasses, steps: 20, referenceSteps: 40, seed: 2 };
    const startScan = async () =>
      (
        await api.gql<{ startScan: { job: { id: string } } }>(
          'mutation($i: StartScanInput!) { startScan(input: $i) { job { id } userErrors { message } } }',
          { i: scanInput },
        )
      ).startScan.job.id;
    type ScanFinding = {
      verdict: string;
      score: number;
      threshold: number;
      suspectedTarget: number | null;
      params: Record<string, unknown>;
      details: { perClassScores: number[] };
    };
    const finding = async (jobId: string) =>
      (
        await api.gql<{ node: { findings: ScanFinding[] } }>(
          'query($id: ID!) { node(id: $id) { ... on Job { findings { verdict score threshold suspectedTarget params details } } } }',
          { id: jobId },
        )
      ).node.findings;

    const first = startWorker('doomed', oneThread);
    const jobId = await startScan();
    // the reference repair's checkpoint is step 0, each inverted class adds one
    const atKill = await killAfterCheckpoint(first, jobId, 1);
    const done = Math.max(...checkpointSteps(atKill));
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(candidateClasses.length);
    expect(atKill.map((e) => e.type)).not.toContain('succeeded');

    startWorker('rescuer', oneThread);
    const events = await finishedAfterRetry(jobId);
    const retry = events.slice(events.findIndex((e) => e.type === 'retrying'));
    expect(retry.some((e) => e.message === `resuming: reference repair and ${done} inverted class(es) from the checkpoint`)).toBe(
      true,
    );
    // the second attempt trains no reference and saves only the classes the first had not
    expect(retry.filter((e) => e.phase === 'reference-repair' && e.step !== null)).toEqual([]);
    expect(checkpointSteps(retry)).toEqual(Array.from({ length: candidateClasses.length - done }, (_, i) => done + 1 + i));
    const [resumed] = await finding(jobId);
    expect(resumed?.params.resumedClasses).toBe(done);

    // the same scan run through without a kill comes to the same verdict and scores
    const uninterruptedId = await startScan();
    await expect.poll(async () => (await job(uninterruptedId)).node.state, { timeout: 600_000, interval: 500 }).toBe('SUCCEEDED');
    const [uninterrupted] = await finding(uninterruptedId);
    expect(uninterrupted?.params.resumedClasses).toBe(0);
    const comparable = ({ verdict, score, threshold, suspectedTarget, details, params }: ScanFinding) => ({
      verdict,
      score,
      threshold,
      suspectedTarget,
      perClassScores: details.perClassScores,
      params: Object.keys(params).sort(),
    });
    expect(comparable(resumed as ScanFinding)).toEqual(comparable(uninterrupted as ScanFinding));
  });
});
