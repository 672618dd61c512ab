/**
 * Attacks on uploads (issue 20, hole 3): archives that inflate or decode to hundreds of MiB must
 * not stall the gateway's event loop (inspection runs in a thread, with ratio and size caps), and
 * an upload registers once, even when two registrations race.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { crc32, deflateSync } from 'node:zlib';
import { exportImageArchive } from '@antidote/core/datasets';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadBytes } from '../api/support.ts';

const USER_ERRORS = 'userErrors { code message }';
const REGISTER_MODEL = `mutation($i: RegisterModelInput!) { registerModel(input: $i) { model { id } ${USER_ERRORS} } }`;
const REGISTER_DATASET = `mutation($i: RegisterDatasetInput!) { registerDataset(input: $i) { dataset { id } ${USER_ERRORS} } }`;

type Payload = { userErrors: { code: string; message: string }[] } & Record<string, unknown>;

/** A zip whose model.json declares 150 MiB of float32 weights, all zeros: ~150 KB packed. */
function modelBomb(): Uint8Array {
  const values = (150 * 1024 * 1024) / 4;
  const modelJson = {
    format: 'layers-model',
    modelTopology: { class_name: 'Sequential', config: { layers: [] } },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'w', shape: [values], dtype: 'float32' }] }],
  };
  return zipSync(
    {
      'model.json': new TextEncoder().encode(JSON.stringify(modelJson)),
      'group1-shard1of1.bin': new Uint8Array(values * 4),
    },
    { level: 9 },
  );
}

/** A valid small model (flatten + dense, 4x4x1 -> 3 classes) whose weights are all NaN. */
function nanModel(): Uint8Array {
  const modelJson = {
    format: 'layers-model',
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'nan',
        layers: [
          { class_name: 'Flatten', config: { name: 'flatten', batch_input_shape: [null, 4, 4, 1] } },
          { class_name: 'Dense', config: { name: 'dense', units: 3, activation: 'softmax', use_bias: true } },
        ],
      },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'dense/kernel', shape: [16, 3], dtype: 'float32' },
          { name: 'dense/bias', shape: [3], dtype: 'float32' },
        ],
      },
    ],
  };
  const weights = new Float32Array(51).fill(Number.NaN);
  return zipSync({
    'model.json': new TextEncoder().encode(JSON.stringify(modelJson)),
    'group1-shard1of1.bin': new Uint8Array(weights.buffer),
  });
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A black 8-bit grayscale PNG of side x side pixels: tiny on disk, side^2 x 4 bytes as RGBA. */
function blackPng(side: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const raw = Buffer.alloc((side + 1) * side); // filter byte 0 + zeros per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function datasetBomb(): Uint8Array {
  const png = new Uint8Array(blackPng(5000));
  return zipSync({ '0_a/0.png': png, '0_a/1.png': png, '1_b/0.png': png, '1_b/1.png': png }, { level: 9 });
}

function smallDataset(seed: number): Uint8Array {
  const count = 20;
  const images = new Uint8Array(count * 28 * 28);
  for (let i = 0; i < images.length; i++) images[i] = (i * 31 + seed * 17) % 256;
  return exportImageArchive({
    images,
    labels: Int32Array.from({ length: count }, (_, i) => i % 10),
    height: 28,
    width: 28,
    channels: 1,
    classNames: Array.from({ length: 10 }, (_, i) => `c${i}`),
    flipAugment: false,
  });
}

describe('upload inspection', () => {
  let gw: TestGateway;
  let token: string;
  beforeAll(async () => {
    gw = await startTestGateway({ backend: 'pglite' });
    token = (await gw.signUp('uploads', 'analyst')).token;
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** Runs `work` while sampling the event loop; returns its result and the worst stall in ms. */
  async function measured<T>(work: () => Promise<T>): Promise<{ result: T; maxDelayMs: number }> {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    try {
      const result = await work();
      return { result, maxDelayMs: histogram.max / 1e6 };
    } finally {
      histogram.disable();
    }
  }

  it('a model zip bomb is refused without stalling the event loop', async () => {
    const bomb = modelBomb();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const upload = await uploadBytes(gw, token, 'MODEL', 'bomb.zip', bomb);
    const { result, maxDelayMs } = await measured(() =>
      gw.gql<{ registerModel: Payload }>(token, REGISTER_MODEL, { i: { name: 'bomb', uploadId: upload.id } }),
    );
    expect(result.data?.registerModel.userErrors[0]?.code).toBe('TOO_LARGE');
    expect(maxDelayMs).toBeLessThan(100);
  });

  it('a dataset of huge blank PNGs does not stall the event loop', async () => {
    const bomb = datasetBomb();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const upload = await uploadBytes(gw, token, 'DATASET', 'bomb.zip', bomb);
    const { result, maxDelayMs } = await measured(() =>
      gw.gql<{ registerDataset: Payload }>(token, REGISTER_DATASET, { i: { name: 'png-bomb', uploadId: upload.id } }),
    );
    // 4 x 25 Mpx decode to 400 MB of RGBA: over the cap, refused from the headers
    expect(result.data?.registerDataset.userErrors[0]?.code).toBe('TOO_LARGE');
    expect(maxDelayMs).toBeLessThan(100);
  });

  it('a model whose weights are NaN is a typed error at upload', async () => {
    const upload = await uploadBytes(gw, token, 'MODEL', 'nan.zip', nanModel());
    const result = await gw.gql<{ registerModel: Payload }>(token, REGISTER_MODEL, { i: { name: 'nan', uploadId: upload.id } });
    expect(result.data?.registerModel.userErrors[0]?.code).toBe('CORRUPT_FILE');
    expect(result.data?.registerModel.userErrors[0]?.message).toMatch(/NaN/);
  });

  it('an upload registers once, also when two registrations race', async () => {
    const upload = await uploadBytes(gw, token, 'DATASET', 'small.zip', smallDataset(1));
    const first = await gw.gql<{ registerDataset: Payload }>(token, REGISTER_DATASET, {
      i: { name: 'once', uploadId: upload.id },
    });
    expect(first.data?.registerDataset.userErrors).toEqual([]);
    const replay = await gw.gql<{ registerDataset: Payload }>(token, REGISTER_DATASET, {
      i: { name: 'twice', uploadId: upload.id },
    });
    expect(replay.data?.registerDataset.userErrors.length).toBe(1);

    const raced = await uploadBytes(gw, token, 'DATASET', 'small2.zip', smallDataset(2));
    const results = await Promise.all(
      ['race-a', 'race-b', 'race-c'].map((name) =>
        gw.gql<{ registerDataset: Payload }>(token, REGISTER_DATASET, { i: { name, uploadId: raced.id } }),
      ),
    );
    expect(results.filter((r) => r.data?.registerDataset.userErrors.length === 0)).toHaveLength(1);
  });
});
