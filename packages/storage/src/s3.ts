import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { maxBytesOf, readBody } from './body.ts';
import { assertSha256, DigestMeter } from './digest.ts';
import { StorageError, throwIfAborted, toStorageError } from './errors.ts';
import { parseRange } from './range.ts';
import type { ArtifactStore, GetOptions, PutBody, PutOptions, PutResult } from './types.ts';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix shared by `sha256/` (content) and `tmp/` (uploads in flight); a trailing '/' is added. */
  prefix?: string;
  /** A ready client; when given, the connection options below are ignored and close() leaves it open. */
  client?: S3Client;
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Required by most S3-compatible servers (MinIO, s3rver) reached by IP or localhost. */
  forcePathStyle?: boolean;
  /** Multipart part size in bytes (min 5 MiB). Memory per upload is about partSize × queueSize. */
  partSize?: number;
  /** Parts uploaded in parallel per put. */
  queueSize?: number;
}

const MIB = 1024 * 1024;

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/** NoSuchKey from GET, NotFound from HEAD (which has no body to name the error). Not NoSuchBucket: that is a misconfiguration. */
function isMissingObject(err: unknown): boolean {
  const name = errorName(err);
  return name === 'NoSuchKey' || name === 'NotFound';
}

function normalisePrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  if (prefix.startsWith('/')) {
    throw new StorageError('INVALID_INPUT', 'An S3 key prefix must not start with "/".', { details: { prefix } });
  }
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/**
 * Content-addressed objects under `<prefix>sha256/<sha256>`. The digest is only known once the last
 * byte arrived, so uploads land at `<prefix>tmp/<uuid>` first (multipart, any length) and are then
 * copied server-side. A crash between the two leaves a temp object or an unfinished multipart
 * upload behind: give the bucket lifecycle rules that expire `<prefix>tmp/` and abort incomplete
 * multipart uploads after a day. A single CopyObject handles up to 5 GiB, so larger content
 * would need a multipart copy (UploadPartCopy).
 */
export function createS3Store(opts: S3StoreOptions): ArtifactStore {
  const { bucket } = opts;
  if (!bucket) throw new StorageError('INVALID_INPUT', 'An S3 store needs a bucket.');
  const prefix = normalisePrefix(opts.prefix);
  const partSize = opts.partSize ?? 5 * MIB;
  const queueSize = opts.queueSize ?? 4;
  if (!(Number.isSafeInteger(partSize) && partSize >= 5 * MIB) || !(Number.isSafeInteger(queueSize) && queueSize >= 1)) {
    throw new StorageError('INVALID_INPUT', 'S3 parts must be at least 5 MiB, with at least one in flight.', {
      details: { partSize, queueSize },
    });
  }
  const ownsClient = opts.client === undefined;
  const client = opts.client ?? new S3Client(clientConfig(opts));

  const keyOf = (sha256: string): string => {
    assertSha256(sha256);
    return `${prefix}sha256/${sha256}`;
  };

  async function exists(key: string): Promise<boolean> {
    try {
      await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (err) {
      if (isMissingObject(err)) return false;
      throw err;
    }
  }

  async function put(body: PutBody, putOpts: PutOptions = {}): Promise<PutResult> {
    const { signal } = putOpts;
    const meter = new DigestMeter(maxBytesOf(putOpts));
    throwIfAborted(signal);
    const tmpKey = `${prefix}tmp/${randomUUID()}`;
    try {
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: tmpKey, Body: meter, ContentType: putOpts.contentType },
        partSize,
        queueSize,
      });
      const feeding = pipeline(readBody(body, signal), meter);
      // If S3 fails, stop reading the body too, or the feeding side waits on backpressure forever.
      const uploading = upload.done().catch((err: unknown) => {
        meter.destroy(err instanceof Error ? err : new Error(String(err)));
        throw err;
      });
      const [fed, uploaded] = await Promise.allSettled([feeding, uploading]);
      // The body's own failure (TOO_LARGE, CANCELLED, INVALID_BODY) is the real reason even when
      // the upload then failed too: lib-storage reports whatever its multipart abort ran into.
      if (fed.status === 'rejected' && fed.reason instanceof StorageError) throw fed.reason;
      if (uploaded.status === 'rejected') throw uploaded.reason;
      if (fed.status === 'rejected') throw fed.reason;
      throwIfAborted(signal);

      const { sha256, size } = meter.result();
      const key = keyOf(sha256);
      let created = false;
      if (!(await exists(key))) {
        const source = `${bucket}/${tmpKey}`.split('/').map(encodeURIComponent).join('/');
        await client.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: source }));
        created = true;
      }
      return { sha256, size, created };
    } catch (err) {
      throw toStorageError(err, 'Writing to the artifact store');
    } finally {
      // Also after a failure: a single-part upload may have completed before the failure surfaced.
      // A leftover temp is garbage for the lifecycle rule, not a reason to fail the put.
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: tmpKey })).catch(() => {});
    }
  }

  async function get(sha256: string, getOpts?: GetOptions): Promise<Readable> {
    const key = keyOf(sha256);
    const range = parseRange(getOpts);
    try {
      const out = await client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
        }),
      );
      if (!(out.Body instanceof Readable)) {
        throw new StorageError('BACKEND', 'The S3 client returned a body that is not a Node.js stream.');
      }
      return out.Body;
    } catch (err) {
      if (isMissingObject(err)) throw new StorageError('NOT_FOUND', 'No content with this digest is stored.');
      if (errorName(err) === 'InvalidRange' || httpStatus(err) === 416) {
        throw new StorageError('INVALID_RANGE', 'The range starts beyond the end of the content.', { cause: err });
      }
      throw toStorageError(err, 'Reading from the artifact store');
    }
  }

  async function stat(sha256: string): Promise<{ size: number } | null> {
    const key = keyOf(sha256);
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: out.ContentLength ?? 0 };
    } catch (err) {
      if (isMissingObject(err)) return null;
      throw toStorageError(err, 'Reading from the artifact store');
    }
  }

  async function remove(sha256: string): Promise<void> {
    const key = keyOf(sha256);
    try {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (err) {
      throw toStorageError(err, 'Deleting from the artifact store');
    }
  }

  async function close(): Promise<void> {
    if (ownsClient) client.destroy();
  }

  return { kind: 's3', put, get, stat, delete: remove, close };
}

function clientConfig(opts: S3StoreOptions): S3ClientConfig {
  const config: S3ClientConfig = {};
  if (opts.endpoint !== undefined) config.endpoint = opts.endpoint;
  if (opts.region !== undefined) config.region = opts.region;
  if (opts.credentials !== undefined) config.credentials = opts.credentials;
  if (opts.forcePathStyle !== undefined) config.forcePathStyle = opts.forcePathStyle;
  return config;
}
