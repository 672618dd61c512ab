import type { Readable } from 'node:stream';

/**
 * Anything that yields the bytes of one upload: an HTTP request, a file stream, a generator, a
 * buffer. A stream body is destroyed when the put fails, as stream.pipeline would; to answer an
 * HTTP request with 413 afterwards, pass `req.iterator({ destroyOnReturn: false })` instead.
 */
export type PutBody = AsyncIterable<Uint8Array> | NodeJS.ReadableStream | Uint8Array;

export interface PutOptions {
  /** Reject with TOO_LARGE as soon as more than this many bytes arrive. Unlimited when absent. */
  maxBytes?: number;
  /** Stored as the object's Content-Type on S3; the filesystem keeps bytes only. */
  contentType?: string;
  signal?: AbortSignal;
}

export interface PutResult {
  sha256: string;
  size: number;
  /** False when the content already existed, so the caller can tell an upload from a dedupe hit. */
  created: boolean;
}

/** Inclusive byte offsets, as in an HTTP Range header; `end` past the content is clamped. */
export interface GetOptions {
  start?: number;
  end?: number;
}

export interface ArtifactStore {
  readonly kind: 'filesystem' | 's3';
  /**
   * Streams `body` into the store while hashing it. Rejects with TOO_LARGE as soon as more than
   * `maxBytes` arrive, CANCELLED when `signal` fires, INVALID_BODY when the body fails; in every
   * failure nothing is left behind.
   */
  put(body: PutBody, opts?: PutOptions): Promise<PutResult>;
  /**
   * The content, or a byte range of it. Rejects (before any byte flows) with NOT_FOUND or
   * INVALID_RANGE. Read the stream to its end or destroy it: it holds a file handle or a socket.
   */
  get(sha256: string, opts?: GetOptions): Promise<Readable>;
  stat(sha256: string): Promise<{ size: number } | null>;
  /** Idempotent: deleting absent content is not an error. */
  delete(sha256: string): Promise<void>;
  close?(): Promise<void>;
}
