import { inflateSync } from 'node:zlib';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import type { RunningWorker } from '@antidote/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, apiClient } from './client.ts';
import { backdooredFashionMnist } from './fixtures.ts';
import { startTestWorker } from './worker.ts';

interface Event {
  seq: number;
  type: string;
  phase: string | null;
  progress: number | null;
  step: number | null;
}

const EVENT_FIELDS = 'jobId seq type phase progress step totalSteps message metrics createdAt';

describe('scan and repair over GraphQL on a backdoored Fashion-MNIST model (PGlite, in-process worker)', {
  timeout: 600_000,
}, () => {
  let gw: TestGateway;
  let worker: RunningWorker;
  let api: ApiClient;

  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite' });
    worker = await startTestWorker(gw, 'test-worker', 50);
    const owner = await gw.signUp('lab', 'owner');
    api = apiClient(gw.url, owner.token);
  });
  afterAll(async () => {
    await worker?.stop();
    await gw?.close();
  });

  it('finishes a scan and a repair with findings, ordered live progress and a full replay for a late subscriber', async () => {
    const fixture = await backdooredFashionMnist();
    expect(fixture.asr ?? 0).toBeGreaterThan(0.5);
    const modelUpload = await api.upload('MODEL', 'victim.zip', fixture.modelZip);
    const { registerModel } = await api.gql<{
      registerModel: { version: { id: string; numClasses: number; inputShape: number[] }; userErrors: unknown[] };
    }>(
      'mutation($u: ID!) { registerModel(input: { name: "victim", uploadId: $u }) { version { id numClasses inputShape } userErrors { code message } } }',
      { u: modelUpload },
    );
    expect(registerModel.userErrors).toEqual([]);
    expect(registerModel.version).toMatchObject({ numClasses: 10, inputShape: [28, 28, 1] });
    const datasetUpload = await api.upload('DATASET', 'trusted.zip', fixture.trustedZip);
    const { registerDataset } = await api.gql<{
      registerDataset: { dataset: { id: string; count: number; classHistogram: number[] }; userErrors: unknown[] };
    }>(
      'mutation($u: ID!) { registerDataset(input: { name: "trusted", uploadId: $u }) { dataset { id count classHistogram } userErrors { code message } } }',
      { u: datasetUpload },
    );
    expect(registerDataset.userErrors).toEqual([]);
    expect(registerDataset.dataset.classHistogram).toHaveLength(10);

    const knownAttack = { name: 'badnets', targetClass: 0 };
    const { startScan } = await api.gql<{ startScan: { job: { id: string } } }>(
      'mutation($i: StartScanInput!) { startScan(input: $i) { job { id } userErrors { code message } } }',
      {
        i: {
          modelVersionId: registerModel.version.id,
          datasetId: registerDataset.dataset.id,
          knownAttack,
          // a short scan: the test checks the plumbing, the efficacy benchmark checks the science
          candidateClasses: [0, 1, 2],
          steps: 10,
          referenceSteps: 30,
          triggerFamilies: ['ADDITIVE', 'PATCH', 'WARP'],
          idempotencyKey: 'scan-1',
        },
      },
    );
    const scanEvents = await api.subscribe<{ jobProgress: Event }>(
      `subscription($id: ID!) { jobProgress(jobId: $id) { ${EVENT_FIELDS} } }`,
      {
        id: startScan.job.id,
      },
    );
    const scanSeqs = scanEvents.map((e) => e.jobProgress.seq);
    expect(scanSeqs).toEqual(scanSeqs.map((_, i) => i + 1));
    expect(scanEvents.at(-1)?.jobProgress.type).toBe('succeeded');
    const progress = scanEvents.map((e) => e.jobProgress.progress).filter((p): p is number => p !== null);
    expect(progress.length).toBeGreaterThan(3);

    const { node: scanned } = await api.gql<{
      node: {
        state: string;
        findings: {
          kind: string;
          verdict: string;
          score: number;
          suspectedTarget: number | null;
          triggerImageUrl: string | null;
          reportHtmlUrl: string;
          reportPdfUrl: string;
          params: Record<string, unknown>;
          calibration: { status: string; pValue: number | null; referenceCount: number; referenceSource: string } | null;
        }[];
        params: Record<string, unknown>;
      };
    }>(
      'query($id: ID!) { node(id: $id) { ... on Job { state params findings { kind verdict score suspectedTarget triggerImageUrl reportHtmlUrl reportPdfUrl params calibration { status pValue referenceCount referenceSource } } } } }',
      { id: startScan.job.id },
    );
    expect(scanned.state).toBe('SUCCEEDED');
    expect(scanned.findings).toHaveLength(1);
    const finding = scanned.findings[0];
    expect(finding?.kind).toBe('detection');
    expect(Number.isFinite(finding?.score)).toBe(true);
    // The trigger families went from the API through the job to core, and the finding says which scored.
    expect(scanned.params.triggerFamilies).toEqual(['additive', 'patch', 'warp']);
    expect(finding?.params).toMatchObject({ triggerFamilies: 'additive,patch,warp', combine: 'centred' });
    expect(['additive', 'patch', 'warp']).toContain(finding?.params.triggerFamily);
    // Three classes leave no in-scan reference and no family reference was given: the fixed bands
    // decide, and the API and the report say so.
    expect(finding?.calibration).toEqual({
      status: 'UNCALIBRATED',
      pValue: null,
      referenceCount: 0,
      referenceSource: 'FIXED_BANDS',
    });
    if (finding?.triggerImageUrl) {
      const png = await fetch(finding.triggerImageUrl);
      expect(png.headers.get('content-type')).toBe('image/png');
    }
    const html = await (await fetch(finding?.reportHtmlUrl ?? '')).text();
    expect(html).toContain('victim');
    // The report describes the scan that ran: its three shapes and the centred rule.
    expect(html).toContain('a faint full-image trigger, a small stamped patch and a smooth warp of the image are optimised');
    expect(html).toContain('median over the classes');
    expect(html).toContain('UNCALIBRATED: fixed score bands');
    const pdf = Buffer.from(await (await fetch(finding?.reportPdfUrl ?? '')).arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // The PDF carries the same method paragraph.
    expect(pdfText(pdf)).toContain(
      'a faint full-image trigger, a small stamped patch and a smooth warp of the image are optimised',
    );

    const { startRepair } = await api.gql<{ startRepair: { job: { id: string } } }>(
      'mutation($i: StartRepairInput!) { startRepair(input: $i) { job { id } userErrors { code message } } }',
      {
        i: {
          modelVersionId: registerModel.version.id,
          datasetId: registerDataset.dataset.id,
          knownAttack,
          // Enough steps for the pivot-head repair to take BadNets under the 10% bar it must meet
          // to be called repaired (step 100 is typically there on this victim).
          steps: 200,
          idempotencyKey: 'repair-1',
        },
      },
    );
    // two subscribers: one from the start, one that joins once the job is well under way
    const early = api.subscribe<{ jobProgress: Event }>(
      `subscription($id: ID!) { jobProgress(jobId: $id) { ${EVENT_FIELDS} } }`,
      {
        id: startRepair.job.id,
      },
    );
    await expect
      .poll(
        async () =>
          (
            await api.gql<{ node: { events: unknown[] } }>(
              'query($id: ID!) { node(id: $id) { ... on Job { events { seq } } } }',
              { id: startRepair.job.id },
            )
          ).node.events.length,
        { timeout: 120_000, interval: 200 },
      )
      .toBeGreaterThanOrEqual(4);
    // the job computes on a task thread: the API in the same process stays responsive meanwhile
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await api.gql('{ me { role } }');
      latencies.push(performance.now() - started);
    }
    expect(Math.max(...latencies)).toBeLessThan(1000);
    const midway = api.subscribe<{ jobProgress: Event }>(
      `subscription($id: ID!) { jobProgress(jobId: $id) { ${EVENT_FIELDS} } }`,
      {
        id: startRepair.job.id,
      },
    );
    const earlyEvents = await early;
    expect((await midway).map((e) => e.jobProgress)).toEqual(earlyEvents.map((e) => e.jobProgress));
    expect(earlyEvents.map((e) => e.jobProgress.seq)).toEqual(earlyEvents.map((_, i) => i + 1));
    const late = await api.subscribe<{ jobProgress: Event }>(
      `subscription($id: ID!) { jobProgress(jobId: $id) { ${EVENT_FIELDS} } }`,
      {
        id: startRepair.job.id,
      },
    );
    expect(late.map((e) => e.jobProgress)).toEqual(earlyEvents.map((e) => e.jobProgress));
    expect(earlyEvents.at(-1)?.jobProgress.type).toBe('succeeded');

    const { node: repairedJob } = await api.gql<{
      node: {
        state: string;
        findings: {
          kind: string;
          cdaBefore: number;
          cdaAfter: number;
          asrBefore: number;
          asrAfter: number;
          repairedVersion: { id: string; version: number; parent: { id: string } };
        }[];
      };
    }>(
      'query($id: ID!) { node(id: $id) { ... on Job { state findings { kind cdaBefore cdaAfter asrBefore asrAfter repairedVersion { id version parent { id } } } } } }',
      { id: startRepair.job.id },
    );
    expect(repairedJob.state).toBe('SUCCEEDED');
    const repair = repairedJob.findings[0];
    expect(repair?.kind).toBe('repair');
    expect(repair?.repairedVersion).toMatchObject({ version: 2, parent: { id: registerModel.version.id } });
    expect(repair?.cdaBefore).toBeGreaterThan(0);
    expect(repair?.asrBefore).toBeGreaterThanOrEqual(0);

    const { startEvaluation } = await api.gql<{ startEvaluation: { job: { id: string } } }>(
      'mutation($i: StartEvaluationInput!) { startEvaluation(input: $i) { job { id } userErrors { code message } } }',
      { i: { modelVersionId: repair?.repairedVersion.id, datasetId: registerDataset.dataset.id, knownAttack } },
    );
    const evaluation = await api.subscribe<{ jobProgress: Event & { metrics: Record<string, number> | null } }>(
      `subscription($id: ID!) { jobProgress(jobId: $id) { ${EVENT_FIELDS} } }`,
      { id: startEvaluation.job.id },
    );
    const done = evaluation.at(-1)?.jobProgress;
    expect(done?.type).toBe('succeeded');
    expect(done?.metrics?.cda).toBeGreaterThan(10);
    expect(done?.metrics?.asr).toBeGreaterThanOrEqual(0);

    const { models } = await api.gql<{ models: { edges: { node: { health: string; versionCount: number } }[] } }>(
      '{ models { edges { node { health versionCount } } } }',
    );
    expect(models.edges[0]?.node).toEqual({ health: 'REPAIRED', versionCount: 2 });
    const { node: original } = await api.gql<{ node: { health: string } }>(
      'query($id: ID!) { node(id: $id) { ... on ModelVersion { health } } }',
      {
        id: registerModel.version.id,
      },
    );
    // the original keeps its own scan verdict; the model rolls up to its latest (repaired) version
    expect(original.health).toBe(finding?.verdict.toUpperCase());
    const { verifyAuditChain } = await api.gql<{ verifyAuditChain: { ok: boolean; count: number } }>(
      '{ verifyAuditChain { ok count } }',
    );
    expect(verifyAuditChain.ok).toBe(true);
    expect(verifyAuditChain.count).toBeGreaterThanOrEqual(6);
  });

  it('reports a repair that cannot reach its budget as not repaired, with its trade-offs and no new version', async () => {
    const fixture = await backdooredFashionMnist();
    const { registerModel } = await api.gql<{ registerModel: { version: { id: string } } }>(
      'mutation($u: ID!) { registerModel(input: { name: "hard case", uploadId: $u }) { version { id } } }',
      { u: await api.upload('MODEL', 'victim.zip', fixture.modelZip) },
    );
    const { registerDataset } = await api.gql<{ registerDataset: { dataset: { id: string } } }>(
      'mutation($u: ID!) { registerDataset(input: { name: "trusted again", uploadId: $u }) { dataset { id } } }',
      { u: await api.upload('DATASET', 'trusted.zip', fixture.trustedZip) },
    );
    const target = { modelVersionId: registerModel.version.id, datasetId: registerDataset.dataset.id };
    const knownAttack = { name: 'badnets', targetClass: 0 };

    // A larger budget than 2 points is refused without a reason, and audited with one.
    const { startRepair: refused } = await api.gql<{ startRepair: { job: unknown; userErrors: { message: string }[] } }>(
      'mutation($i: StartRepairInput!) { startRepair(input: $i) { job { id } userErrors { code message } } }',
      { i: { ...target, cdaBudget: 5 } },
    );
    expect(refused.job).toBeNull();
    expect(refused.userErrors[0]?.message).toMatch(/budgetReason/);

    // One evaluation (step 25) with a zero budget: nothing can both keep accuracy and undo BadNets.
    const { startRepair } = await api.gql<{ startRepair: { job: { id: string } } }>(
      'mutation($i: StartRepairInput!) { startRepair(input: $i) { job { id } userErrors { code message } } }',
      { i: { ...target, knownAttack, steps: 26, cdaBudget: 0 } },
    );
    const events = await api.subscribe<{ jobProgress: Event & { message: string | null } }>(
      `subscription($id: ID!) { jobProgress(jobId: $id) { ${EVENT_FIELDS} } }`,
      { id: startRepair.job.id },
    );
    const last = events.at(-1)?.jobProgress;
    expect(last?.type).toBe('succeeded');
    expect(last?.message).toMatch(/^not repaired: /);
    const { node: job } = await api.gql<{
      node: {
        findings: {
          verdict: string;
          reasons: string[];
          repairedVersion: unknown;
          runs: number;
          keptRun: string | null;
          frontier: {
            step: number;
            drop: number;
            dropLow: number;
            dropHigh: number;
            heldOutImages: number;
            attackSuccess: number | null;
          }[];
        }[];
      };
    }>(
      'query($id: ID!) { node(id: $id) { ... on Job { findings { verdict reasons repairedVersion { id } runs keptRun frontier { step drop dropLow dropHigh heldOutImages attackSuccess } } } } }',
      { id: startRepair.job.id },
    );
    const finding = job.findings[0];
    expect(finding).toMatchObject({ verdict: 'NOT_REPAIRED', repairedVersion: null, keptRun: null });
    expect(finding?.reasons.length).toBeGreaterThan(0);
    expect(finding?.frontier.length).toBeGreaterThan(0);
    for (const point of finding?.frontier ?? []) {
      // Evaluated at step 25 and at the last step.
      expect([25, 26]).toContain(point.step);
      expect(point.heldOutImages).toBeGreaterThan(0);
      expect(point.dropLow).toBeLessThanOrEqual(point.drop);
      expect(point.dropHigh).toBeGreaterThanOrEqual(point.drop);
      // The known attack is measured at every checkpoint, kept or not.
      expect(point.attackSuccess).toBeGreaterThanOrEqual(0);
    }
    const { node: model } = await api.gql<{ node: { model: { versionCount: number } } }>(
      'query($id: ID!) { node(id: $id) { ... on ModelVersion { model { versionCount } } } }',
      { id: registerModel.version.id },
    );
    expect(model.model.versionCount).toBe(1);

    const { startRepair: accepted } = await api.gql<{ startRepair: { job: { id: string } } }>(
      'mutation($i: StartRepairInput!) { startRepair(input: $i) { job { id } userErrors { code message } } }',
      { i: { ...target, steps: 1, cdaBudget: 6, budgetReason: 'Release blocked; 6 points is acceptable for this model.' } },
    );
    await api.subscribe(`subscription($id: ID!) { jobProgress(jobId: $id) { seq } }`, { id: accepted.job.id });
    const { auditLog } = await api.gql<{ auditLog: { edges: { node: { target: string; details: { reason?: string } } }[] } }>(
      '{ auditLog(first: 10, action: "repair.budget.override") { edges { node { target details } } } }',
    );
    expect(auditLog.edges).toHaveLength(1);
    expect(auditLog.edges[0]?.node.details).toMatchObject({
      cdaBudget: 6,
      reason: 'Release blocked; 6 points is acceptable for this model.',
    });
  });

  it("repairs with an unlabelled trusted dataset: the suspect's labels, agreement instead of accuracy", async () => {
    const fixture = await backdooredFashionMnist();
    const { registerModel } = await api.gql<{ registerModel: { version: { id: string } } }>(
      'mutation($u: ID!) { registerModel(input: { name: "unlabelled case", uploadId: $u }) { version { id } } }',
      { u: await api.upload('MODEL', 'victim.zip', fixture.modelZip) },
    );
    const { registerDataset } = await api.gql<{
      registerDataset: {
        dataset: { id: string; labelled: boolean; numClasses: number | null; count: number };
        userErrors: { message: string }[];
      };
    }>(
      'mutation($u: ID!) { registerDataset(input: { name: "clean unlabelled", uploadId: $u }) { dataset { id labelled numClasses count } userErrors { message } } }',
      { u: await api.upload('DATASET', 'trusted-images-idx3-ubyte', fixture.trustedImagesIdx) },
    );
    expect(registerDataset.userErrors).toEqual([]);
    expect(registerDataset.dataset).toMatchObject({ labelled: false, numClasses: null });
    expect(registerDataset.dataset.count).toBeGreaterThan(0);
    const target = { modelVersionId: registerModel.version.id, datasetId: registerDataset.dataset.id };

    const { startEvaluation } = await api.gql<{ startEvaluation: { job: unknown; userErrors: { code: string }[] } }>(
      'mutation($i: StartEvaluationInput!) { startEvaluation(input: $i) { job { id } userErrors { code } } }',
      { i: target },
    );
    expect(startEvaluation).toEqual({ job: null, userErrors: [{ code: 'INVALID_INPUT' }] });

    const { startRepair } = await api.gql<{ startRepair: { job: { id: string } } }>(
      'mutation($i: StartRepairInput!) { startRepair(input: $i) { job { id } userErrors { code message } } }',
      { i: { ...target, knownAttack: { name: 'badnets', targetClass: 0 }, steps: 26 } },
    );
    const events = await api.subscribe<{ jobProgress: Event & { message: string | null } }>(
      `subscription($id: ID!) { jobProgress(jobId: $id) { ${EVENT_FIELDS} } }`,
      { id: startRepair.job.id },
    );
    expect(events.at(-1)?.jobProgress.type).toBe('succeeded');
    expect(events.some((e) => e.jobProgress.message?.includes('agreement with'))).toBe(true);
    const { node: job } = await api.gql<{
      node: { findings: { cdaBefore: number; asrBefore: number | null; params: Record<string, unknown> }[] };
    }>('query($id: ID!) { node(id: $id) { ... on Job { findings { cdaBefore asrBefore params } } } }', {
      id: startRepair.job.id,
    });
    const finding = job.findings[0];
    expect(finding?.params).toMatchObject({ labels: 'model', heldOutMetric: 'agreement', useLabels: false });
    // held out against the suspect's own predictions, which it agrees with entirely
    expect(finding?.cdaBefore).toBe(100);
    expect(finding?.asrBefore).toBeGreaterThan(50);
  });
});

/** The text a PDF shows: pdfkit writes it as hex strings in TJ arrays inside deflated streams. */
function pdfText(pdf: Buffer): string {
  const lines: string[] = [];
  for (const stream of pdf.toString('latin1').matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(stream[1] ?? '', 'latin1')).toString('latin1');
    } catch {
      continue; // not deflated content (an image, say)
    }
    for (const shown of content.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
      lines.push(
        [...(shown[1] ?? '').matchAll(/<([0-9a-fA-F]*)>/g)]
          .map((h) => Buffer.from(h[1] ?? '', 'hex').toString('latin1'))
          .join(''),
      );
    }
  }
  // Wrapped lines rejoin with a space; trailing spaces at wraps collapse.
  return lines.join(' ').replace(/\s+/g, ' ');
}
