import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Store } from './s3.ts';
import { chunked, MIB, rejectsWith, type StoreHarness, sha256Of, storeContract } from './store-contract.ts';
import type { ArtifactStore } from './types.ts';

const BUCKET = 'artifacts';
const PREFIX = 'antidote/';

let directory: string;
let server: S3rver;
let endpoint: string;
let client: S3Client;
let store: ArtifactStore;
const events: { eventName: string; key: string }[] = [];

function connection() {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    forcePathStyle: true,
  };
}

async function keys(prefix: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? '');
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'antidote-storage-s3rver-'));
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    resetOnClose: true,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  server.on('event', (event: { Records: { eventName: string; s3: { object: { key: string } } }[] }) => {
    for (const record of event.Records) events.push({ eventName: record.eventName, key: record.s3.object.key });
  });
  client = new S3Client(connection());
  store = createS3Store({ bucket: BUCKET, prefix: PREFIX, ...connection() });
});

afterAll(async () => {
  await store?.close?.();
  client?.destroy();
  await server?.close();
  await rm(directory, { recursive: true, force: true });
});

describe('S3 store: contract', () => {
  storeContract((): StoreHarness => ({ store, leftovers: () => keys(`${PREFIX}tmp/`) }));
});

describe('S3 store', () => {
  it('stages multipart uploads under <prefix>tmp/ and keeps content at <prefix>sha256/<sha256>', async () => {
    const bytes = randomBytes(5 * MIB + 1);
    events.length = 0;
    const { sha256 } = await store.put(chunked(bytes), { contentType: 'application/x-tfjs-weights' });
    const multipart = events.filter((e) => e.eventName === 'ObjectCreated:Post');
    expect(multipart).toHaveLength(1);
    expect(multipart[0]?.key).toMatch(/^antidote\/tmp\/[0-9a-f-]{36}$/);
    expect(events.map((e) => e.eventName)).toContain('ObjectCreated:Copy');
    expect(await keys(`${PREFIX}sha256/${sha256}`)).toEqual([`${PREFIX}sha256/${sha256}`]);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}sha256/${sha256}` }));
    expect(head.ContentType).toBe('application/x-tfjs-weights');
    expect(head.ContentLength).toBe(bytes.byteLength);
  });

  it('does not copy again when the content already exists', async () => {
    const bytes = randomBytes(1000);
    await store.put(bytes);
    events.length = 0;
    expect((await store.put(bytes)).created).toBe(false);
    expect(events.map((e) => e.eventName)).not.toContain('ObjectCreated:Copy');
  });

  it('shares content between stores on the same bucket and prefix, not across prefixes', async () => {
    const bytes = randomBytes(1000);
    const { sha256 } = await store.put(bytes);
    const same = createS3Store({ bucket: BUCKET, prefix: 'antidote', client });
    const other = createS3Store({ bucket: BUCKET, prefix: 'elsewhere/', client });
    expect(await same.stat(sha256)).toEqual({ size: 1000 });
    expect(await other.stat(sha256)).toBeNull();
    // A borrowed client stays usable after the store is closed.
    await same.close?.();
    expect(await keys(`${PREFIX}sha256/${sha256}`)).toHaveLength(1);
  });

  it('reports a missing bucket as BACKEND, not as missing content', async () => {
    const lost = createS3Store({ bucket: 'no-such-bucket', client });
    await expect(lost.get(sha256Of(randomBytes(4)))).rejects.toSatisfy(rejectsWith('BACKEND'));
    await expect(lost.put(randomBytes(10))).rejects.toSatisfy(rejectsWith('BACKEND'));
  });

  it('refuses parts below the 5 MiB S3 minimum and a prefix starting with "/"', () => {
    expect(() => createS3Store({ bucket: BUCKET, client, partSize: MIB })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => createS3Store({ bucket: BUCKET, client, prefix: '/abs' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});
