/**
 * Hostile or mistaken bytes never crash anything: each becomes a userError with a stable code
 * (and the gateway keeps answering afterwards).
 */
import { exportImageArchive, type ImageDataset } from '@antidote/core/datasets';
import { packModelArchive, unpackModelArchive } from '@antidote/core/models';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, apiClient } from './client.ts';
import { backdooredFashionMnist } from './fixtures.ts';

function syntheticDataset(classes: number, size: number, channels: number): ImageDataset {
  const count = classes * 4;
  return {
    images: Uint8Array.from({ length: count * size * size * channels }, (_, i) => (i * 37) % 256),
    labels: Int32Array.from({ length: count }, (_, i) => i % classes),
    height: size,
    width: size,
    channels,
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
    flipAugment: false,
  };
}

interface UserErrors {
  userErrors: { code: string; field: string[] | null }[];
}

describe('bad input becomes userErrors with codes', { timeout: 300_000 }, () => {
  let gw: TestGateway;
  let api: ApiClient;
  let versionId: string;

  const register = async (kind: 'model' | 'dataset', name: string, bytes: Uint8Array) => {
    const uploadId = await api.upload(kind === 'model' ? 'MODEL' : 'DATASET', `${name}.zip`, bytes);
    const mutation =
      kind === 'model'
        ? 'mutation($i: RegisterModelInput!) { result: registerModel(input: $i) { node: version { id } userErrors { code field } } }'
        : 'mutation($i: RegisterDatasetInput!) { result: registerDataset(input: $i) { node: dataset { id } userErrors { code field } } }';
    return (await api.gql<{ result: UserErrors & { node: { id: string } | null } }>(mutation, { i: { name, uploadId } })).result;
  };

  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite' });
    api = apiClient(gw.url, (await gw.signUp('careless', 'analyst')).token);
    const fixture = await backdooredFashionMnist();
    versionId = (await register('model', 'good', fixture.modelZip)).node?.id ?? '';
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('rejects malformed model files: not an archive, truncated weights, a broken model.json', async () => {
    const fixture = await backdooredFashionMnist();
    expect(
      (
        await register(
          'model',
          'noise',
          new Uint8Array(4096).map((_, i) => (i * 131) % 251),
        )
      ).userErrors[0]?.code,
    ).toBe('UNSUPPORTED_FORMAT');
    const files = unpackModelArchive(fixture.modelZip);
    const weightsName = Object.keys(files).find((name) => name.endsWith('.bin')) ?? '';
    const truncated = packModelArchive({ ...files, [weightsName]: (files[weightsName] ?? new Uint8Array()).subarray(0, 100) });
    expect((await register('model', 'truncated', truncated)).userErrors[0]?.code).toBe('CORRUPT_FILE');
    const garbled = packModelArchive({ ...files, 'model.json': new TextEncoder().encode('{"modelTopology": [') });
    expect((await register('model', 'garbled', garbled)).userErrors[0]?.code).toBe('CORRUPT_FILE');
  });

  it('rejects unknown dataset formats, and datasets whose classes or image shape do not fit the model', async () => {
    expect((await register('dataset', 'text', new TextEncoder().encode('label,pixel\n1,2\n'))).userErrors[0]?.code).toBe(
      'UNSUPPORTED_FORMAT',
    );
    const threeClasses = await register('dataset', 'three-classes', exportImageArchive(syntheticDataset(3, 28, 1)));
    const colour = await register('dataset', 'colour', exportImageArchive(syntheticDataset(10, 32, 3)));
    expect(threeClasses.userErrors).toEqual([]);
    expect(colour.userErrors).toEqual([]);
    const start = async (datasetId: string) =>
      (
        await api.gql<{ startScan: UserErrors & { job: null } }>(
          'mutation($i: StartScanInput!) { startScan(input: $i) { job { id } userErrors { code field } } }',
          { i: { modelVersionId: versionId, datasetId } },
        )
      ).startScan;
    expect(await start(threeClasses.node?.id ?? '')).toEqual({
      job: null,
      userErrors: [{ code: 'CLASS_MISMATCH', field: ['input', 'datasetId'] }],
    });
    expect(await start(colour.node?.id ?? '')).toEqual({
      job: null,
      userErrors: [{ code: 'SHAPE_MISMATCH', field: ['input', 'datasetId'] }],
    });
  });

  it('rejects out-of-range parameters and foreign or malformed IDs', async () => {
    const { startRepair } = await api.gql<{ startRepair: UserErrors }>(
      'mutation($i: StartRepairInput!) { startRepair(input: $i) { job { id } userErrors { code field } } }',
      { i: { modelVersionId: versionId, datasetId: 'not-an-id', steps: -5 } },
    );
    expect(startRepair.userErrors[0]?.code).toBe('NOT_FOUND');
    const { startSweep } = await api.gql<{ startSweep: UserErrors }>(
      'mutation { startSweep(input: { attack: "no-such-attack", poisonCounts: [10] }) { job { id } userErrors { code field } } }',
    );
    expect(startSweep.userErrors[0]?.code).toBe('INVALID_INPUT');
    // still serving
    expect(await api.gql<{ me: { role: string } }>('{ me { role } }')).toEqual({ me: { role: 'ANALYST' } });
  });
});
