/**
 * Bring your own model, end to end: a backdoored ResNet at 32x32x3 exported to ONNX is
 * uploaded through the API, imported (fidelity against ONNX Runtime), scanned and repaired by
 * the worker; the repaired ONNX file is downloaded and run in ONNX Runtime.
 */

import { triggeredTestSet } from '@antidote/core/attacks';
import { loadOnnxRuntime } from '@antidote/core/convert';
import type { ImageDataset } from '@antidote/core/datasets';
import { createLabAttack } from '@antidote/core/lab';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import type { RunningWorker } from '@antidote/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, apiClient } from './client.ts';
import { backdooredOnnx } from './fixtures.ts';
import { startTestWorker } from './worker.ts';

interface Fidelity {
  maxAbsDiff: number;
  top1Agreement: number;
  n: number;
  inputs: string;
}

const VERSION_FIELDS =
  'id format inputShape downloadUrl parent { id } fidelity { maxAbsDiff top1Agreement n maxAbsOutput inputs } preprocessing { layout height width channels channelOrder scale mean std resize defaulted }';

/** Top-1 classes of an ONNX file in ONNX Runtime on pixels / 255, NCHW (as exportTfjsToOnnx writes). */
async function ortPredict(onnx: Uint8Array, data: ImageDataset): Promise<number[]> {
  const ort = await loadOnnxRuntime();
  const session = await ort.InferenceSession.create(onnx);
  const { height: h, width: w, channels: c } = data;
  const n = data.labels.length;
  const x = new Float32Array(n * c * h * w);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++)
          x[((i * c + ch) * h + y) * w + xx] = (data.images[((i * h + y) * w + xx) * c + ch] as number) / 255;
  const input = session.inputNames[0] as string;
  const output = (await session.run({ [input]: new ort.Tensor('float32', x, [n, c, h, w]) }))[session.outputNames[0] as string];
  const logits = output?.data as Float32Array;
  const k = logits.length / n;
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < k; j++) if ((logits[i * k + j] as number) > (logits[i * k + best] as number)) best = j;
    return best;
  });
}

/** A scan or a repair of the ResNet takes minutes on two shared cores; the subscription waits this long for its end. */
const JOB_TIMEOUT_MS = 1_200_000;

const rate = (predicted: number[], target: (i: number) => number) =>
  predicted.filter((p, i) => p === target(i)).length / Math.max(1, predicted.length);

describe('an ONNX model through the platform (PGlite, in-process worker)', { timeout: 2_700_000 }, () => {
  let gw: TestGateway;
  let worker: RunningWorker;
  let api: ApiClient;

  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite' });
    worker = await startTestWorker(gw, 'onnx-worker', 200);
    api = apiClient(gw.url, (await gw.signUp('byom', 'owner')).token);
  });
  afterAll(async () => {
    await worker?.stop();
    await gw?.close();
  });

  it('imports with recorded fidelity, scans, repairs, and the downloaded repaired ONNX runs in ONNX Runtime', async () => {
    const fixture = await backdooredOnnx();
    expect(fixture.asr ?? 0).toBeGreaterThan(0.5);

    const { registerModel } = await api.gql<{
      registerModel: { version: { id: string; format: string; inputShape: number[] }; userErrors: unknown[] };
    }>(
      'mutation($u: ID!) { registerModel(input: { name: "resnet-onnx", uploadId: $u }) { version { id format inputShape } userErrors { code message } } }',
      { u: await api.upload('MODEL', 'victim.onnx', fixture.onnx) },
    );
    expect(registerModel.userErrors).toEqual([]);
    expect(registerModel.version).toMatchObject({ format: 'onnx', inputShape: [32, 32, 3] });
    const { registerDataset } = await api.gql<{ registerDataset: { dataset: { id: string }; userErrors: unknown[] } }>(
      'mutation($u: ID!) { registerDataset(input: { name: "trusted", uploadId: $u }) { dataset { id } userErrors { code message } } }',
      { u: await api.upload('DATASET', 'trusted.zip', fixture.trustedZip) },
    );
    expect(registerDataset.userErrors).toEqual([]);
    const pair = { modelVersionId: registerModel.version.id, datasetId: registerDataset.dataset.id };
    const knownAttack = { name: 'badnets', targetClass: 0 };

    const { startScan } = await api.gql<{ startScan: { job: { id: string }; userErrors: unknown[] } }>(
      'mutation($i: StartScanInput!) { startScan(input: $i) { job { id } userErrors { code message } } }',
      { i: { ...pair, knownAttack, candidateClasses: [0, 1], steps: 5, referenceSteps: 20, triggerFamilies: ['PATCH'] } },
    );
    expect(startScan.userErrors).toEqual([]);
    const scanEvents = await api.subscribe<{ jobProgress: { type: string; message: string | null } }>(
      'subscription($id: ID!) { jobProgress(jobId: $id) { type message } }',
      { id: startScan.job.id },
      { timeoutMs: JOB_TIMEOUT_MS },
    );
    // the whole event, so a failure shows its message
    expect(scanEvents.at(-1)?.jobProgress.type === 'succeeded' ? 'succeeded' : scanEvents.at(-1)?.jobProgress).toBe('succeeded');
    expect(scanEvents.some((e) => e.jobProgress.message?.includes('fidelity vs ONNX Runtime'))).toBe(true);

    const { node: imported } = await api.gql<{ node: { fidelity: Fidelity; preprocessing: Record<string, unknown> } }>(
      `query($id: ID!) { node(id: $id) { ... on ModelVersion { ${VERSION_FIELDS} } } }`,
      { id: registerModel.version.id },
    );
    expect(imported.fidelity).toMatchObject({ top1Agreement: 1, inputs: 'trusted' });
    expect(imported.fidelity.maxAbsDiff).toBeLessThan(1e-3);
    expect(imported.preprocessing).toMatchObject({ layout: 'NCHW', height: 32, width: 32, channels: 3, mean: [0, 0, 0] });
    expect(imported.preprocessing.defaulted).toContain('scale');

    const { startRepair } = await api.gql<{ startRepair: { job: { id: string }; userErrors: unknown[] } }>(
      'mutation($i: StartRepairInput!) { startRepair(input: $i) { job { id } userErrors { code message } } }',
      { i: { ...pair, knownAttack, steps: 120 } },
    );
    expect(startRepair.userErrors).toEqual([]);
    const repairEvents = await api.subscribe<{ jobProgress: { type: string; message: string | null } }>(
      'subscription($id: ID!) { jobProgress(jobId: $id) { type message } }',
      { id: startRepair.job.id },
      { timeoutMs: JOB_TIMEOUT_MS },
    );
    expect(repairEvents.at(-1)?.jobProgress.type === 'succeeded' ? 'succeeded' : repairEvents.at(-1)?.jobProgress).toBe(
      'succeeded',
    );
    const { node: repairJob } = await api.gql<{
      node: {
        findings: {
          verdict: string;
          asrBefore: number;
          asrAfter: number;
          cdaBefore: number;
          cdaAfter: number;
          repairedVersion: { id: string; format: string; downloadUrl: string; parent: { id: string }; fidelity: Fidelity } | null;
        }[];
      };
    }>(
      `query($id: ID!) { node(id: $id) { ... on Job { findings { verdict asrBefore asrAfter cdaBefore cdaAfter repairedVersion { ${VERSION_FIELDS} } } } } }`,
      { id: startRepair.job.id },
    );
    const finding = repairJob.findings[0];
    expect(finding?.verdict === 'REPAIRED' ? 'REPAIRED' : finding).toBe('REPAIRED');
    const repaired = finding?.repairedVersion;
    expect(repaired).toMatchObject({ format: 'onnx', parent: { id: registerModel.version.id } });
    // the written file was checked in ONNX Runtime against the worker's repaired model
    expect(repaired?.fidelity.top1Agreement).toBeGreaterThanOrEqual(0.999);
    expect(repaired?.fidelity.maxAbsDiff).toBeLessThan(1e-3);
    expect(repaired?.downloadUrl).toMatch(/\.onnx/);

    const download = await fetch(repaired?.downloadUrl ?? '');
    expect(download.ok).toBe(true);
    const repairedOnnx = new Uint8Array(await download.arrayBuffer());
    const attack = createLabAttack({ name: 'badnets', poisonCount: 0, targetClass: 0, seed: 0 });
    const triggered = triggeredTestSet(attack, fixture.trusted);
    const [cdaBefore, cdaAfter, asrBefore, asrAfter] = [
      rate(await ortPredict(fixture.onnx, fixture.trusted), (i) => fixture.trusted.labels[i] as number),
      rate(await ortPredict(repairedOnnx, fixture.trusted), (i) => fixture.trusted.labels[i] as number),
      rate(await ortPredict(fixture.onnx, triggered), () => 0),
      rate(await ortPredict(repairedOnnx, triggered), () => 0),
    ];
    // in ONNX Runtime, the downloaded file shows what the worker measured: the backdoor weaker,
    // clean accuracy within the repair's default 2-point budget (plus the sample's noise)
    expect(asrAfter).toBeLessThan(asrBefore);
    expect(cdaAfter).toBeGreaterThan(cdaBefore - 0.05);
    expect(Math.abs(asrAfter * 100 - (finding?.asrAfter ?? 0))).toBeLessThan(25);
  });
});
