/** A sweep started over GraphQL trains, scans and repairs every model and reports per poison count. */
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import type { RunningWorker } from '@antidote/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, apiClient } from './client.ts';
import { startTestWorker } from './worker.ts';

describe('a sweep over GraphQL (tiny settings: it checks the plumbing, not the science)', { timeout: 600_000 }, () => {
  let gw: TestGateway;
  let worker: RunningWorker;
  let api: ApiClient;

  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite' });
    worker = await startTestWorker(gw, 'sweep-worker', 100);
    api = apiClient(gw.url, (await gw.signUp('research', 'analyst')).token);
  });
  afterAll(async () => {
    await worker?.stop();
    await gw?.close();
  });

  it('reports detectability and robustness per poison count, with a plot and a checkpoint per model', async () => {
    const { startSweep } = await api.gql<{ startSweep: { job: { id: string }; userErrors: unknown[] } }>(
      `mutation { startSweep(input: { attack: "badnets", poisonCounts: [60], seeds: 1, trainImages: 1200, epochs: 1,
        scanSteps: 3, referenceSteps: 8, repairSteps: 8 }) { job { id } userErrors { code message } } }`,
    );
    expect(startSweep.userErrors).toEqual([]);
    const events = await api.subscribe<{ jobProgress: { type: string; message: string | null } }>(
      'subscription($id: ID!) { jobProgress(jobId: $id) { type message } }',
      { id: startSweep.job.id },
    );
    expect(events.at(-1)?.jobProgress).toMatchObject({ type: 'succeeded' });
    expect(events.filter((e) => e.jobProgress.type === 'checkpoint')).toHaveLength(2);
    const { node } = await api.gql<{
      node: {
        result: { rows: { poisonCount: number; detectionAuc: number; models: number }[]; models: unknown[] };
        resultPlotUrl: string;
      };
    }>('query($id: ID!) { node(id: $id) { ... on Job { result resultPlotUrl } } }', { id: startSweep.job.id });
    expect(node.result.models).toHaveLength(2);
    expect(node.result.rows).toEqual([expect.objectContaining({ poisonCount: 60, models: 1 })]);
    expect([0, 0.5, 1]).toContain(node.result.rows[0]?.detectionAuc);
    const plot = await fetch(node.resultPlotUrl);
    expect(plot.headers.get('content-type')).toBe('image/svg+xml');
    expect(await plot.text()).toContain('<svg');
  });
});
