/**
 * The demo behind `npm start`: a real BadNets-backdoored Fashion-MNIST classifier and a 1%
 * trusted set, registered through the public GraphQL API like any customer would, with a scan
 * and a repair started so the dashboard shows live progress on the first page.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportImageArchive, loadBuiltinDataset } from '@antidote/core/datasets';
import { DEMO_ATTACK, DEMO_PT_STEPS, DEMO_VICTIM, demoData, trainLabModel } from '@antidote/core/lab';
import { packModelArchive, saveModelToFiles } from '@antidote/core/models';

export interface DemoArtifacts {
  modelZip: Uint8Array;
  trustedZip: Uint8Array;
  cda: number;
  asr: number | null;
  trained: boolean;
}

/** Trains the demo victim once and caches it under `folder`; later starts reuse it. */
export async function prepareDemoArtifacts(
  folder: string,
  onProgress: (text: string) => void,
  signal?: AbortSignal,
): Promise<DemoArtifacts> {
  const modelPath = path.join(folder, 'badnets-model.zip');
  const trustedPath = path.join(folder, 'trusted-1pct.zip');
  const metaPath = path.join(folder, 'meta.json');
  if (existsSync(modelPath) && existsSync(trustedPath) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { cda: number; asr: number | null };
    return { modelZip: readFileSync(modelPath), trustedZip: readFileSync(trustedPath), ...meta, trained: false };
  }
  mkdirSync(folder, { recursive: true });
  const { train, test } = loadBuiltinDataset('fashion-mnist');
  const { victimTrain: victimData, trusted, evaluation } = demoData(train, test);
  let lastReport = 0;
  const result = await trainLabModel({
    train: victimData,
    test: evaluation,
    attack: DEMO_ATTACK,
    recipe: { epochs: DEMO_VICTIM.epochs, seed: DEMO_VICTIM.seed },
    ...(signal ? { signal } : {}),
    onProgress: (p) => {
      const now = Date.now();
      if (now - lastReport > 5000) {
        lastReport = now;
        onProgress(`training the demo victim: ${Math.round((100 * p.step) / p.totalSteps)}% (ETA ${Math.round(p.etaSeconds)} s)`);
      }
    },
  });
  try {
    const modelZip = packModelArchive(await saveModelToFiles(result.model));
    const trustedZip = exportImageArchive(trusted);
    writeFileSync(modelPath, modelZip);
    writeFileSync(trustedPath, trustedZip);
    writeFileSync(metaPath, JSON.stringify({ cda: result.cda, asr: result.asr }));
    return { modelZip, trustedZip, cda: result.cda, asr: result.asr, trained: true };
  } finally {
    result.model.dispose();
  }
}

type Gql = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

export function graphqlClient(url: string, token: string): Gql {
  return async <T>(query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length || !body.data)
      throw new Error(`GraphQL: ${body.errors?.map((e) => e.message).join('; ') ?? response.status}`);
    return body.data;
  };
}

async function upload(gql: Gql, purpose: 'MODEL' | 'DATASET', filename: string, bytes: Uint8Array): Promise<string> {
  const { createUpload } = await gql<{
    createUpload: { upload: { id: string; url: string } | null; userErrors: { message: string }[] };
  }>('mutation($i: CreateUploadInput!) { createUpload(input: $i) { upload { id url } userErrors { message } } }', {
    i: { purpose, filename, sizeBytes: bytes.byteLength },
  });
  if (!createUpload.upload) throw new Error(createUpload.userErrors.map((e) => e.message).join('; '));
  const put = await fetch(createUpload.upload.url, { method: 'PUT', body: bytes });
  if (!put.ok) throw new Error(`upload failed: HTTP ${put.status}`);
  return createUpload.upload.id;
}

function payload<T extends { userErrors: { message: string }[] }>(value: T): T {
  if (value.userErrors.length > 0) throw new Error(value.userErrors.map((e) => e.message).join('; '));
  return value;
}

/** Registers the demo model and trusted set, then starts a scan and a Pivotal Tuning repair. */
export async function seedDemoThroughApi(
  gql: Gql,
  artifacts: DemoArtifacts,
): Promise<{ scanJobId: string; repairJobId: string; versionId: string }> {
  const existing = await gql<{ models: { edges: { node: { id: string; latestVersion: { id: string } } }[] } }>(
    '{ models(first: 1, search: "demo-badnets") { edges { node { id latestVersion { id } } } } }',
  );
  const modelUpload = await upload(gql, 'MODEL', 'demo-badnets.zip', artifacts.modelZip);
  let versionId: string;
  const known = existing.models.edges[0]?.node;
  if (known) {
    const added = payload(
      (
        await gql<{ addModelVersion: { version: { id: string }; userErrors: { message: string }[] } }>(
          'mutation($i: AddModelVersionInput!) { addModelVersion(input: $i) { version { id } userErrors { message } } }',
          { i: { modelId: known.id, uploadId: modelUpload } },
        )
      ).addModelVersion,
    );
    versionId = added.version.id;
  } else {
    const registered = payload(
      (
        await gql<{ registerModel: { version: { id: string }; userErrors: { message: string }[] } }>(
          'mutation($i: RegisterModelInput!) { registerModel(input: $i) { version { id } userErrors { message } } }',
          {
            i: {
              name: 'demo-badnets',
              description: `Fashion-MNIST small CNN with a BadNets backdoor (${DEMO_VICTIM.poisonCount} poisoned images, target class ${DEMO_VICTIM.targetClass})`,
              uploadId: modelUpload,
            },
          },
        )
      ).registerModel,
    );
    versionId = registered.version.id;
  }
  const datasets = await gql<{ datasets: { edges: { node: { id: string; name: string } }[] } }>(
    '{ datasets(first: 100) { edges { node { id name } } } }',
  );
  let datasetId = datasets.datasets.edges.find((e) => e.node.name === 'fashion-mnist-trusted-1pct')?.node.id;
  if (!datasetId) {
    const datasetUpload = await upload(gql, 'DATASET', 'fashion-mnist-trusted-1pct.zip', artifacts.trustedZip);
    const registered = payload(
      (
        await gql<{ registerDataset: { dataset: { id: string }; userErrors: { message: string }[] } }>(
          'mutation($i: RegisterDatasetInput!) { registerDataset(input: $i) { dataset { id } userErrors { message } } }',
          { i: { name: 'fashion-mnist-trusted-1pct', uploadId: datasetUpload } },
        )
      ).registerDataset,
    );
    datasetId = registered.dataset.id;
  }
  const knownAttack = { name: 'badnets', targetClass: DEMO_VICTIM.targetClass };
  const scan = payload(
    (
      await gql<{ startScan: { job: { id: string }; userErrors: { message: string }[] } }>(
        'mutation($i: StartScanInput!) { startScan(input: $i) { job { id } userErrors { message } } }',
        // Half the default Pivotal-Tuning steps keep the demo's scan + repair under five minutes.
        {
          i: {
            modelVersionId: versionId,
            datasetId,
            knownAttack,
            referenceSteps: DEMO_PT_STEPS,
            idempotencyKey: `demo-scan-${versionId}`,
          },
        },
      )
    ).startScan,
  );
  const repair = payload(
    (
      await gql<{ startRepair: { job: { id: string }; userErrors: { message: string }[] } }>(
        'mutation($i: StartRepairInput!) { startRepair(input: $i) { job { id } userErrors { message } } }',
        {
          i: {
            modelVersionId: versionId,
            datasetId,
            method: 'PIVOTAL_TUNING',
            steps: DEMO_PT_STEPS,
            knownAttack,
            idempotencyKey: `demo-repair-${versionId}`,
          },
        },
      )
    ).startRepair,
  );
  return { scanJobId: scan.job.id, repairJobId: repair.job.id, versionId };
}
