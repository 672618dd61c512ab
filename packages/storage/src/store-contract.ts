/**
 * The behaviour every ArtifactStore backend must share (used by the *.test.ts files, not exported
 * from the package): round trips at several sizes and body shapes, dedupe, the size cap, ranges,
 * digest validation, cancellation, and no staged upload left behind by any failure.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { expect, it, vi } from 'vitest';
import { isStorageError, type StorageErrorCode } from './errors.ts';
import type { ArtifactStore } from './types.ts';

export interface StoreHarness {
  store: ArtifactStore;
  /** Uploads still staged (temp files or temp objects); must be empty once every put settled. */
  leftovers(): Promise<string[]>;
}

export const MIB = 1024 * 1024;

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Yields `bytes` in slices, so the store sees a body of unknown length. */
export async function* chunked(bytes: Uint8Array, chunkSize = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += chunkSize) {
    yield bytes.subarray(offset, offset + chunkSize);
  }
}

export function rejectsWith(code: StorageErrorCode) {
  return (e: unknown) => isStorageError(e, code);
}

async function read(store: ArtifactStore, sha256: string, range?: { start?: number; end?: number }): Promise<Buffer> {
  return buffer(await store.get(sha256, range));
}

export function storeContract(getHarness: () => StoreHarness): void {
  const store = () => getHarness().store;

  it('round-trips a small buffer and reports its digest and size', async () => {
    const bytes = randomBytes(1000);
    const result = await store().put(bytes, { contentType: 'application/octet-stream' });
    expect(result).toEqual({ sha256: sha256Of(bytes), size: 1000, created: true });
    expect(await read(store(), result.sha256)).toEqual(bytes);
    expect(await store().stat(result.sha256)).toEqual({ size: 1000 });
  });

  it('round-trips a body of unknown length larger than one multipart part', async () => {
    // Exactly one part (5 MiB) would still go up as a single PUT; one byte more forces multipart.
    const bytes = randomBytes(5 * MIB + 1234);
    const result = await store().put(chunked(bytes));
    expect(result).toEqual({ sha256: sha256Of(bytes), size: bytes.byteLength, created: true });
    const back = await read(store(), result.sha256);
    expect(back.byteLength).toBe(bytes.byteLength);
    expect(sha256Of(back)).toBe(result.sha256);
    expect(await getHarness().leftovers()).toEqual([]);
  });

  it('accepts a Node.js stream body and empty content', async () => {
    const bytes = randomBytes(300_000);
    const fromStream = await store().put(Readable.from(chunked(bytes, 10_000)));
    expect(fromStream.sha256).toBe(sha256Of(bytes));

    const empty = await store().put(new Uint8Array(0));
    expect(empty.sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(empty.size).toBe(0);
    expect(await read(store(), empty.sha256)).toEqual(Buffer.alloc(0));
    expect(await store().stat(empty.sha256)).toEqual({ size: 0 });
  });

  it('stores identical content once and says so', async () => {
    const bytes = randomBytes(50_000);
    const first = await store().put(bytes);
    const second = await store().put(chunked(bytes, 7_000));
    expect(first.created).toBe(true);
    expect(second).toEqual({ sha256: first.sha256, size: 50_000, created: false });
    expect(await read(store(), first.sha256)).toEqual(bytes);
    expect(await getHarness().leftovers()).toEqual([]);
  });

  it('accepts exactly maxBytes and rejects one byte more with TOO_LARGE, leaving nothing behind', async () => {
    const bytes = randomBytes(100_000);
    const over = store().put(chunked(bytes, 30_000), { maxBytes: 99_999 });
    await expect(over).rejects.toSatisfy(rejectsWith('TOO_LARGE'));
    expect(await store().stat(sha256Of(bytes))).toBeNull();
    expect(await getHarness().leftovers()).toEqual([]);

    const exact = await store().put(chunked(bytes, 30_000), { maxBytes: 100_000 });
    expect(exact.size).toBe(100_000);
  });

  it('stops reading an endless body at the cap', async () => {
    const chunk = randomBytes(64 * 1024);
    let pulled = 0;
    let closed = false;
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          pulled += chunk.byteLength;
          yield chunk;
        }
      } finally {
        closed = true;
      }
    }
    await expect(store().put(endless(), { maxBytes: 6 * MIB })).rejects.toSatisfy(rejectsWith('TOO_LARGE'));
    // The cap trips on the chunk that crosses it; a little read-ahead is fine, reading on is not.
    expect(pulled).toBeLessThan(6 * MIB + 1 * MIB);
    await vi.waitFor(() => expect(closed).toBe(true));
    expect(await getHarness().leftovers()).toEqual([]);
  });

  it('serves byte ranges with inclusive ends, clamped like HTTP', async () => {
    const bytes = randomBytes(1000);
    const { sha256 } = await store().put(bytes);
    expect(await read(store(), sha256, { start: 10, end: 19 })).toEqual(bytes.subarray(10, 20));
    expect(await read(store(), sha256, { start: 990 })).toEqual(bytes.subarray(990));
    expect(await read(store(), sha256, { end: 9 })).toEqual(bytes.subarray(0, 10));
    expect(await read(store(), sha256, { start: 999, end: 999 })).toEqual(bytes.subarray(999));
    expect(await read(store(), sha256, { start: 500, end: 5000 })).toEqual(bytes.subarray(500));
    await expect(store().get(sha256, { start: 1000 })).rejects.toSatisfy(rejectsWith('INVALID_RANGE'));
    await expect(store().get(sha256, { start: 5, end: 2 })).rejects.toSatisfy(rejectsWith('INVALID_RANGE'));
    await expect(store().get(sha256, { start: -1 })).rejects.toSatisfy(rejectsWith('INVALID_RANGE'));
    await expect(store().get(sha256, { start: 1.5 })).rejects.toSatisfy(rejectsWith('INVALID_RANGE'));
  });

  it('reports absent content as NOT_FOUND from get and null from stat; delete is idempotent', async () => {
    const bytes = randomBytes(2000);
    const { sha256 } = await store().put(bytes);
    await store().delete(sha256);
    expect(await store().stat(sha256)).toBeNull();
    await expect(store().get(sha256)).rejects.toSatisfy(rejectsWith('NOT_FOUND'));
    await expect(store().get(sha256, { start: 1 })).rejects.toSatisfy(rejectsWith('NOT_FOUND'));
    await store().delete(sha256);
  });

  it('refuses anything but 64 lowercase hex characters as a digest', async () => {
    const valid = sha256Of(randomBytes(8));
    const bad = ['../etc/passwd', valid.toUpperCase(), valid.slice(1), `${valid}0`, `../../${valid.slice(6)}`, ''];
    for (const digest of bad) {
      await expect(store().get(digest)).rejects.toSatisfy(rejectsWith('INVALID_DIGEST'));
      await expect(store().stat(digest)).rejects.toSatisfy(rejectsWith('INVALID_DIGEST'));
      await expect(store().delete(digest)).rejects.toSatisfy(rejectsWith('INVALID_DIGEST'));
    }
  });

  it('rejects an already-aborted signal with CANCELLED without reading the body', async () => {
    let pulled = false;
    async function* body(): AsyncGenerator<Uint8Array> {
      pulled = true;
      yield randomBytes(10);
    }
    await expect(store().put(body(), { signal: AbortSignal.abort() })).rejects.toSatisfy(rejectsWith('CANCELLED'));
    expect(pulled).toBe(false);
    expect(await getHarness().leftovers()).toEqual([]);
  });

  it('cancels promptly while the body is stalled, destroys a stream body and leaves nothing behind', async () => {
    const source = new Readable({ read() {} });
    source.push(randomBytes(6 * MIB));
    const controller = new AbortController();
    const putting = store().put(source, { signal: controller.signal });
    // Let the first bytes reach the backend before the client goes quiet.
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort(new Error('client went away'));
    await expect(putting).rejects.toSatisfy(rejectsWith('CANCELLED'));
    expect(source.destroyed).toBe(true);
    expect(await getHarness().leftovers()).toEqual([]);
  });

  it('reports a failing or non-byte body as INVALID_BODY, leaving nothing behind', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomBytes(6 * MIB);
      throw new Error('connection reset');
    }
    await expect(store().put(failing())).rejects.toSatisfy(rejectsWith('INVALID_BODY'));
    async function* strings(): AsyncGenerator<unknown> {
      yield 'not bytes';
    }
    await expect(store().put(strings() as AsyncIterable<Uint8Array>)).rejects.toSatisfy(rejectsWith('INVALID_BODY'));
    await expect(store().put(42 as unknown as Uint8Array)).rejects.toSatisfy(rejectsWith('INVALID_BODY'));
    expect(await getHarness().leftovers()).toEqual([]);
  });

  it('refuses a negative or fractional maxBytes', async () => {
    await expect(store().put(randomBytes(1), { maxBytes: -1 })).rejects.toSatisfy(rejectsWith('INVALID_INPUT'));
    await expect(store().put(randomBytes(1), { maxBytes: 0.5 })).rejects.toSatisfy(rejectsWith('INVALID_INPUT'));
  });
}
