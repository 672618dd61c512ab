import { mkdirSync } from 'node:fs';
import { buffer } from 'node:stream/consumers';
import type { StorageEnv } from './env.ts';
import { createFilesystemStore, type FilesystemStoreOptions } from './filesystem.ts';
import { createS3Store, type S3StoreOptions } from './s3.ts';
import type { ArtifactStore } from './types.ts';

export { isSha256 } from './digest.ts';
export { type StorageEnv, storageEnvShape } from './env.ts';
export { isStorageError, STORAGE_ERROR_CODES, StorageError, type StorageErrorCode } from './errors.ts';
export { createFilesystemStore, type FilesystemStoreOptions } from './filesystem.ts';
export { createS3Store, type S3StoreOptions } from './s3.ts';
export { signToken, type TokenClaims, verifyToken } from './tokens.ts';
export type { ArtifactStore, GetOptions, PutBody, PutOptions, PutResult } from './types.ts';

export type ArtifactStoreConfig = ({ kind: 'filesystem' } & FilesystemStoreOptions) | ({ kind: 's3' } & S3StoreOptions);

/** The store a deployment's config names: the filesystem for a single machine, S3 for anything shared. */
export function createArtifactStore(config: ArtifactStoreConfig): ArtifactStore {
  switch (config.kind) {
    case 'filesystem':
      return createFilesystemStore(config);
    case 's3':
      return createS3Store(config);
  }
}

/** The store an app's validated settings describe: S3 when a bucket is named, else a local folder. */
export function artifactStoreFromSettings(settings: {
  bucket?: string | undefined;
  endpoint?: string | undefined;
  region: string;
  prefix: string;
  directory: string;
}): ArtifactStore {
  if (settings.bucket) {
    return createArtifactStore({
      kind: 's3',
      bucket: settings.bucket,
      prefix: settings.prefix,
      region: settings.region,
      // S3-compatible servers (MinIO, Ceph) want path-style addressing
      ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
    });
  }
  mkdirSync(settings.directory, { recursive: true });
  return createArtifactStore({ kind: 'filesystem', root: settings.directory });
}

/** The store a parsed environment (see `storageEnvShape`) describes. */
export function artifactStoreFromEnv(env: StorageEnv): ArtifactStore {
  return artifactStoreFromSettings({
    bucket: env.ANTIDOTE_S3_BUCKET,
    endpoint: env.ANTIDOTE_S3_ENDPOINT,
    region: env.ANTIDOTE_S3_REGION,
    prefix: env.ANTIDOTE_S3_PREFIX,
    directory: env.ANTIDOTE_STORAGE_DIR,
  });
}

/** The whole content as bytes, for inputs that are parsed in memory anyway (cap them with `stat` first). */
export async function readAllBytes(store: ArtifactStore, sha256: string): Promise<Uint8Array> {
  return new Uint8Array(await buffer(await store.get(sha256)));
}
