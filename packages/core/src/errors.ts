/**
 * The one error type of Antidote. Codes are stable: the gateway maps them to GraphQL
 * `extensions.code`, the CLI to exit codes. Messages tell the user what to fix.
 */
export const ERROR_CODES = {
  INVALID_INPUT: 'Input failed validation (bad option, out-of-range value).',
  UNSUPPORTED_FORMAT: 'The bytes are not in a format Antidote can read.',
  CORRUPT_FILE: 'The file is in a known format but damaged or truncated.',
  SHAPE_MISMATCH: 'Tensor or image shapes do not match what the model or dataset expects.',
  CLASS_MISMATCH: 'The number of classes of a model and a dataset differ.',
  TOO_LARGE: 'The input exceeds a size cap.',
  BACKEND_UNAVAILABLE: 'The requested TensorFlow.js backend cannot be loaded here.',
  CANCELLED: 'The work was cancelled by its AbortSignal.',
  NOT_FOUND: 'A named resource (dataset, attack, model) does not exist.',
  INTERNAL: 'An unexpected failure; a bug in Antidote.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes that mean "fix the input and try again": retrying the same input cannot succeed. */
export const INPUT_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INVALID_INPUT',
  'UNSUPPORTED_FORMAT',
  'CORRUPT_FILE',
  'SHAPE_MISMATCH',
  'CLASS_MISMATCH',
  'TOO_LARGE',
  'NOT_FOUND',
]);

export class AntidoteError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AntidoteError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isAntidoteError(value: unknown, code?: ErrorCode): value is AntidoteError {
  return value instanceof AntidoteError && (code === undefined || value.code === code);
}

/** Throws CANCELLED when the signal has fired; called between training steps. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AntidoteError('CANCELLED', 'Cancelled before completion.', { cause: signal.reason });
  }
}
