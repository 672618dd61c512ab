import { randomUUID } from 'node:crypto';
import { type FileHandle, link, mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { maxBytesOf, readBody } from './body.ts';
import { assertSha256, DigestMeter } from './digest.ts';
import { StorageError, throwIfAborted, toStorageError } from './errors.ts';
import { clampRange, parseRange } from './range.ts';
import type { ArtifactStore, GetOptions, PutBody, PutOptions, PutResult } from './types.ts';

export interface FilesystemStoreOptions {
  /** Directory holding `ab/cd/<sha256>` files and the `tmp/` staging area; created on first write. */
  root: string;
}

function isErrnoException(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

/**
 * Content-addressed files under `<root>/ab/cd/<sha256>`. Uploads stage in `<root>/tmp/` (same
 * filesystem, so publishing is atomic) and never become visible half-written.
 */
export function createFilesystemStore(opts: FilesystemStoreOptions): ArtifactStore {
  const root = resolve(opts.root);
  const tmpDir = join(root, 'tmp');

  const pathOf = (sha256: string): string => {
    assertSha256(sha256);
    return join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };

  async function put(body: PutBody, putOpts: PutOptions = {}): Promise<PutResult> {
    const { signal } = putOpts;
    const meter = new DigestMeter(maxBytesOf(putOpts));
    throwIfAborted(signal);
    const tmp = join(tmpDir, randomUUID());
    let staging: FileHandle | undefined;
    try {
      await mkdir(tmpDir, { recursive: true });
      // Opened before the pipeline rather than by createWriteStream(path): that stream opens
      // asynchronously, so a body failing at once could settle the put (and run the cleanup below)
      // before the file existed, leaving it behind. 'wx': a temp name is never reused, so finding
      // one means something else owns it.
      staging = await open(tmp, 'wx');
      await pipeline(readBody(body, signal), meter, staging.createWriteStream());
      throwIfAborted(signal);
      const { sha256, size } = meter.result();
      const final = pathOf(sha256);
      await mkdir(dirname(final), { recursive: true });
      // link() rather than rename(): it fails when the target exists, so two concurrent uploads of
      // the same bytes cannot both report created=true, and existing content is never rewritten.
      let created = true;
      try {
        await link(tmp, final);
      } catch (err) {
        if (!isErrnoException(err, 'EEXIST')) throw err;
        created = false;
      }
      return { sha256, size, created };
    } catch (err) {
      throw toStorageError(err, 'Writing to the artifact store');
    } finally {
      // After a successful link the temp is a second name for the stored file; either way it goes.
      // A failure here only leaves garbage in tmp/, never wrong content, so it must not fail the put.
      await staging?.close().catch(() => {});
      await rm(tmp, { force: true }).catch(() => {});
    }
  }

  async function get(sha256: string, getOpts?: GetOptions): Promise<Readable> {
    const path = pathOf(sha256);
    const range = parseRange(getOpts);
    // Open before answering so a missing file is a rejected promise, not an error mid-stream.
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if (isErrnoException(err, 'ENOENT')) throw new StorageError('NOT_FOUND', 'No content with this digest is stored.');
      throw toStorageError(err, 'Reading from the artifact store');
    }
    try {
      if (!range) return handle.createReadStream();
      const { size } = await handle.stat();
      return handle.createReadStream(clampRange(range, size));
    } catch (err) {
      await handle.close();
      throw toStorageError(err, 'Reading from the artifact store');
    }
  }

  async function statOf(sha256: string): Promise<{ size: number } | null> {
    const path = pathOf(sha256);
    try {
      return { size: (await stat(path)).size };
    } catch (err) {
      if (isErrnoException(err, 'ENOENT')) return null;
      throw toStorageError(err, 'Reading from the artifact store');
    }
  }

  async function remove(sha256: string): Promise<void> {
    const path = pathOf(sha256);
    try {
      await rm(path, { force: true });
    } catch (err) {
      throw toStorageError(err, 'Deleting from the artifact store');
    }
  }

  return { kind: 'filesystem', put, get, stat: statOf, delete: remove };
}
