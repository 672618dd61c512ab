import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFilesystemStore } from './filesystem.ts';
import { MIB, type StoreHarness, sha256Of, storeContract } from './store-contract.ts';
import type { ArtifactStore } from './types.ts';

let root: string;
let store: ArtifactStore;

async function leftovers(): Promise<string[]> {
  return readdir(join(root, 'tmp')).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'antidote-storage-fs-'));
  store = createFilesystemStore({ root });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('filesystem store: contract', () => {
  storeContract((): StoreHarness => ({ store, leftovers }));
});

describe('filesystem store', () => {
  it('lays content out as <root>/ab/cd/<sha256>', async () => {
    const bytes = randomBytes(100);
    const { sha256 } = await store.put(bytes);
    expect(await readFile(join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256))).toEqual(bytes);
    expect(store.kind).toBe('filesystem');
  });

  it('reports created=true to exactly one of two concurrent uploads of the same bytes', async () => {
    const bytes = randomBytes(3 * MIB);
    const results = await Promise.all([store.put(bytes), store.put(bytes), store.put(bytes)]);
    expect(new Set(results.map((r) => r.sha256))).toEqual(new Set([sha256Of(bytes)]));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await leftovers()).toEqual([]);
  });

  it('leaves no staging file behind when many bodies fail before their first byte', async () => {
    // A put whose body fails at once settles within a few ticks; its staging file must exist and be
    // closed by then, or the cleanup can run before the file appears and leave it behind.
    const failingAtOnce: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('connection reset')) }),
    };
    const outcomes = await Promise.allSettled(Array.from({ length: 64 }, () => store.put(failingAtOnce)));
    expect(outcomes.map((o) => o.status)).toEqual(Array(64).fill('rejected'));
    expect(await leftovers()).toEqual([]);
  });

  it('streams a 64 MiB body without holding it in memory', async () => {
    // Without an explicit collection, garbage chunks would pile up until V8's external-memory
    // threshold (about 64 MiB) and make the measurement say nothing.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const chunkSize = MIB;
    const chunks = 64;
    const hash = createHash('sha256');
    let peak = 0;
    gc();
    const baseline = process.memoryUsage().arrayBuffers;
    async function* body(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < chunks; i++) {
        // A fresh buffer per chunk: a store that kept chunks would keep distinct memory.
        const chunk = Buffer.alloc(chunkSize, i);
        hash.update(chunk);
        if (i % 4 === 0) {
          gc();
          peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
        }
        yield chunk;
      }
    }
    const result = await store.put(body());
    expect(result).toEqual({ sha256: hash.digest('hex'), size: chunks * chunkSize, created: true });
    expect(peak).toBeLessThan(40 * MIB);
  });
});
