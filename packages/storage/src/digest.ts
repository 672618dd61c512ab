import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { StorageError } from './errors.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

/** Digests become file paths and S3 keys, so anything but 64 lowercase hex characters is refused outright. */
export function assertSha256(value: unknown): asserts value is string {
  if (!isSha256(value)) {
    throw new StorageError('INVALID_DIGEST', 'Expected a sha256 digest: 64 lowercase hex characters.', {
      details: { received: typeof value === 'string' ? value.slice(0, 80) : typeof value },
    });
  }
}

/**
 * Passes bytes through unchanged while hashing and counting them. Fails with TOO_LARGE on the
 * chunk that crosses the cap, so an oversized upload stops at the cap rather than at its end.
 */
export class DigestMeter extends Transform {
  readonly #hash: Hash = createHash('sha256');
  readonly #maxBytes: number;
  #size = 0;

  constructor(maxBytes: number) {
    super();
    this.#maxBytes = maxBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.byteLength;
    if (this.#size > this.#maxBytes) {
      callback(
        new StorageError('TOO_LARGE', `The upload exceeds the cap of ${this.#maxBytes} bytes.`, {
          details: { maxBytes: this.#maxBytes },
        }),
      );
      return;
    }
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  /** Only meaningful once every byte went through; the hash cannot be read twice. */
  result(): { sha256: string; size: number } {
    return { sha256: this.#hash.digest('hex'), size: this.#size };
  }
}
