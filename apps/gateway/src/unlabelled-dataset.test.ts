import { exportImageArchive } from '@antidote/core/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './testing.ts';

/** An IDX images file (MNIST layout): magic 00 00 08 03, three big-endian dimensions, the pixels. */
function idxImages(count: number, side: number, pixels: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(16 + pixels.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x0803);
  for (const [i, dim] of [count, side, side].entries()) view.setUint32(4 + 4 * i, dim);
  bytes.set(pixels, 16);
  return bytes;
}

const ERRORS = 'userErrors { code message field }';
type UserErrors = { code: string }[];

async function upload(gw: TestGateway, token: string, purpose: 'MODEL' | 'DATASET', filename: string, bytes: Uint8Array) {
  const created = await gw.gql<{ createUpload: { upload: { id: string; url: string } } }>(
    token,
    `mutation($i: CreateUploadInput!) { createUpload(input: $i) { upload { id url } ${ERRORS} } }`,
    { i: { purpose, filename, sizeBytes: bytes.length } },
  );
  const slot = created.data?.createUpload.upload;
  if (!slot) throw new Error(JSON.stringify(created));
  const put = await fetch(slot.url, { method: 'PUT', body: bytes });
  expect(put.status).toBe(200);
  return slot.id;
}

describe('unlabelled trusted datasets (PGlite)', () => {
  let gw: TestGateway;
  let token: string;
  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite' });
    token = (await gw.signUp('unlabelled', 'owner')).token;
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('registers a lone IDX images file as unlabelled: no classes, no histogram', async () => {
    const pixels = Uint8Array.from({ length: 7 * 12 * 12 }, (_, i) => (i * 37) % 256);
    const uploadId = await upload(gw, token, 'DATASET', 'images-idx3-ubyte', idxImages(7, 12, pixels));
    const registered = await gw.gql<{
      registerDataset: {
        dataset: {
          id: string;
          labelled: boolean;
          numClasses: number | null;
          classHistogram: number[];
          count: number;
          imageShape: number[];
          thumbnailsUrl: string | null;
        } | null;
        userErrors: UserErrors;
      };
    }>(
      token,
      `mutation($i: RegisterDatasetInput!) { registerDataset(input: $i) {
        dataset { id labelled numClasses classHistogram count imageShape thumbnailsUrl } ${ERRORS} } }`,
      { i: { name: 'clean-unlabelled', uploadId } },
    );
    expect(registered.data?.registerDataset.userErrors).toEqual([]);
    const dataset = registered.data?.registerDataset.dataset;
    expect(dataset).toMatchObject({ labelled: false, numClasses: null, classHistogram: [], count: 7, imageShape: [12, 12, 1] });
    expect(dataset?.thumbnailsUrl).toBeTruthy();
  });

  it('still records a labelled archive as labelled, with its classes', async () => {
    const archive = exportImageArchive({
      images: new Uint8Array(4 * 144).fill(60),
      labels: Int32Array.of(0, 1, 2, 1),
      height: 12,
      width: 12,
      channels: 1,
      classNames: ['a', 'b', 'c'],
      flipAugment: false,
    });
    const uploadId = await upload(gw, token, 'DATASET', 'labelled.zip', archive);
    const registered = await gw.gql<{
      registerDataset: { dataset: { labelled: boolean; numClasses: number; classHistogram: number[] } };
    }>(
      token,
      `mutation($i: RegisterDatasetInput!) { registerDataset(input: $i) { dataset { labelled numClasses classHistogram } ${ERRORS} } }`,
      { i: { name: 'clean-labelled', uploadId } },
    );
    expect(registered.data?.registerDataset.dataset).toEqual({ labelled: true, numClasses: 3, classHistogram: [1, 2, 1] });
  });
});
