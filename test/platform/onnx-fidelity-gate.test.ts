/**
 * The fidelity gate: the first job on an ONNX version imports it and records its agreement with
 * ONNX Runtime; a version under 99.9% is refused unless the job states why (audited).
 */

import { totalmem } from 'node:os';
import { plainCnnOnnx } from '@antidote/core/convert';
import { exportImageArchive, loadBuiltinDataset, stratifiedSample } from '@antidote/core/datasets';
import { schema } from '@antidote/db';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import type { RunningWorker } from '@antidote/worker';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, apiClient } from './client.ts';
import { startTestWorker } from './worker.ts';

describe('the fidelity gate on an ONNX version (PGlite, in-process worker)', { timeout: 600_000 }, () => {
  let gw: TestGateway;
  let worker: RunningWorker;
  let api: ApiClient;

  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite' });
    worker = await startTestWorker(gw, 'fidelity-worker', 200);
    api = apiClient(gw.url, (await gw.signUp('gate', 'owner')).token);
  });
  afterAll(async () => {
    await worker?.stop();
    await gw?.close();
  });

  async function evaluate(pair: Record<string, string>, extra: Record<string, unknown> = {}) {
    const { startEvaluation } = await api.gql<{ startEvaluation: { job: { id: string } } }>(
      'mutation($i: StartEvaluationInput!) { startEvaluation(input: $i) { job { id } userErrors { code message } } }',
      { i: { ...pair, ...extra } },
    );
    await api.subscribe('subscription($id: ID!) { jobProgress(jobId: $id) { type } }', { id: startEvaluation.job.id });
    const { node } = await api.gql<{ node: { state: string; error: { code: string; message: string } | null } }>(
      'query($id: ID!) { node(id: $id) { ... on Job { state error { code message } } } }',
      { id: startEvaluation.job.id },
    );
    return node;
  }

  it('reports in its heartbeat the memory each job fits its batches to', async () => {
    const [row] = await gw.database.asService((tx) =>
      tx.select().from(schema.workers).where(eq(schema.workers.id, 'fidelity-worker')),
    );
    // one job at a time: the job has the whole machine
    expect(row?.capabilities).toMatchObject({ memoryBytes: totalmem(), jobMemoryBytes: totalmem() });
    expect(row?.concurrency).toBe(1);
  });

  it('records fidelity on import, refuses a low-agreement version, and runs it with an audited reason', async () => {
    const { test } = loadBuiltinDataset('fashion-mnist');
    const { registerModel } = await api.gql<{ registerModel: { version: { id: string; format: string } } }>(
      'mutation($u: ID!, $p: JSON) { registerModel(input: { name: "cnn", uploadId: $u, preprocessing: $p }) { version { id format } userErrors { code message } } }',
      { u: await api.upload('MODEL', 'cnn.onnx', plainCnnOnnx({ size: 28, seed: 2 })), p: { mean: [0.5], std: [0.25] } },
    );
    expect(registerModel.version.format).toBe('onnx');
    const { registerDataset } = await api.gql<{ registerDataset: { dataset: { id: string } } }>(
      'mutation($u: ID!) { registerDataset(input: { name: "trusted", uploadId: $u }) { dataset { id } userErrors { code message } } }',
      { u: await api.upload('DATASET', 'trusted.zip', exportImageArchive(stratifiedSample(test, 0.01, 2).selected)) },
    );
    const pair = { modelVersionId: registerModel.version.id, datasetId: registerDataset.dataset.id };
    const versionQuery =
      'query($id: ID!) { node(id: $id) { ... on ModelVersion { fidelity { top1Agreement maxAbsDiff n inputs } preprocessing { layout channels mean std defaulted } } } }';

    expect(await evaluate(pair)).toMatchObject({ state: 'SUCCEEDED' });
    const { node: imported } = await api.gql<{
      node: { fidelity: Record<string, unknown>; preprocessing: Record<string, unknown> & { defaulted: string[] } };
    }>(versionQuery, { id: pair.modelVersionId });
    expect(imported.fidelity).toMatchObject({ top1Agreement: 1, n: 100, inputs: 'trusted' });
    expect(imported.fidelity.maxAbsDiff).toBeLessThan(1e-4);
    // stated at upload, applied on import (and in the ONNX Runtime reference), not defaulted
    expect(imported.preprocessing).toMatchObject({ layout: 'NCHW', channels: 1, mean: [0.5], std: [0.25] });
    expect(imported.preprocessing.defaulted).toEqual(expect.arrayContaining(['scale', 'channelOrder']));
    expect(imported.preprocessing.defaulted).not.toContain('mean');

    // as if the conversion had disagreed with ONNX Runtime on 10% of the inputs
    await gw.database.asService((tx) =>
      tx
        .update(schema.modelVersions)
        .set({ fidelity: { ...imported.fidelity, top1Agreement: 0.9 } })
        .where(eq(schema.modelVersions.format, 'onnx')),
    );
    const refused = await evaluate(pair);
    expect(refused).toMatchObject({ state: 'FAILED', error: { code: 'INVALID_INPUT' } });
    expect(refused.error?.message).toContain('fidelityOverrideReason');

    const reason = 'the disagreement is on out-of-distribution noise only';
    expect(await evaluate(pair, { fidelityOverrideReason: reason })).toMatchObject({ state: 'SUCCEEDED' });
    const { auditLog } = await api.gql<{ auditLog: { edges: { node: { details: { reason: string } } }[] } }>(
      '{ auditLog(action: "model.version.fidelity-override") { edges { node { details } } } }',
    );
    expect(auditLog.edges.map((e) => e.node.details.reason)).toEqual([reason]);
  });
});
