/**
 * The one error type of the storage package. Codes are stable: the gateway maps them to HTTP
 * statuses and GraphQL `extensions.code`. Messages tell the caller what went wrong, never the
 * path or bucket layout behind it.
 */
export const STORAGE_ERROR_CODES = {
  NOT_FOUND: 'No content with this digest is stored.',
  TOO_LARGE: 'The upload exceeds its size cap.',
  INVALID_DIGEST: 'A digest is not 64 lowercase hex characters.',
  INVALID_RANGE: 'A byte range is malformed or starts beyond the end of the content.',
  INVALID_BODY: 'The upload body failed or yielded something other than bytes.',
  INVALID_INPUT: 'An option or claim failed validation.',
  INVALID_TOKEN: 'A signed token is malformed or its signature does not match.',
  EXPIRED_TOKEN: 'A signed token is past its expiry.',
  CANCELLED: 'The operation was cancelled by its AbortSignal.',
  BACKEND: 'The filesystem or object store failed.',
} as const;

export type StorageErrorCode = keyof typeof STORAGE_ERROR_CODES;

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: StorageErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { cause: options.cause });
    this.name = 'StorageError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isStorageError(value: unknown, code?: StorageErrorCode): value is StorageError {
  return value instanceof StorageError && (code === undefined || value.code === code);
}

/** Our own errors pass through; anything else is a failure of the backend underneath. */
export function toStorageError(err: unknown, what: string): StorageError {
  if (err instanceof StorageError) return err;
  return new StorageError('BACKEND', `${what} failed.`, { cause: err });
}

export function cancelled(signal: AbortSignal): StorageError {
  return new StorageError('CANCELLED', 'Cancelled before completion.', { cause: signal.reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled(signal);
}
