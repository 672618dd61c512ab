/**
 * The one mapping from internal failures to the API's stable codes: user mistakes become
 * `userErrors` in mutation payloads; anything thrown reaches clients as `extensions.code`
 * with internals masked.
 */
import { isAntidoteError } from '@antidote/core/errors';
import { INSUFFICIENT_PRIVILEGE, postgresError, UNIQUE_VIOLATION } from '@antidote/db';
import { IdempotencyConflictError, InvalidJobParamsError } from '@antidote/jobs';
import { isStorageError } from '@antidote/storage';
import { GraphQLError } from 'graphql';
import type { ErrorCode, UserError } from './generated/resolvers.ts';

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly field: string[] | undefined;
  constructor(code: ErrorCode, message: string, field?: string[]) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.field = field;
  }
}

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

export function httpStatus(code: ErrorCode): number {
  return HTTP_STATUS[code] ?? 400;
}

/** Known failures -> a UserError; unknown ones -> undefined (a bug: rethrow, it gets masked). */
export function toUserError(error: unknown, field?: string[]): UserError | undefined {
  if (error instanceof ApiError) return { code: error.code, message: error.message, field: error.field ?? field ?? null };
  if (isAntidoteError(error)) {
    const code: ErrorCode = error.code === 'BACKEND_UNAVAILABLE' || error.code === 'CANCELLED' ? 'INTERNAL' : error.code;
    const blamed = (error as { field?: string[] }).field;
    return { code, message: error.message, field: blamed ?? field ?? null };
  }
  if (isStorageError(error)) {
    const map: Record<string, ErrorCode> = {
      NOT_FOUND: 'NOT_FOUND',
      TOO_LARGE: 'TOO_LARGE',
      INVALID_DIGEST: 'INVALID_INPUT',
      INVALID_RANGE: 'INVALID_INPUT',
      INVALID_BODY: 'INVALID_INPUT',
      INVALID_INPUT: 'INVALID_INPUT',
      INVALID_TOKEN: 'UNAUTHENTICATED',
      EXPIRED_TOKEN: 'UNAUTHENTICATED',
    };
    const code = map[error.code];
    return code ? { code, message: error.message, field: field ?? null } : undefined;
  }
  if (error instanceof InvalidJobParamsError) {
    return { code: 'INVALID_INPUT', message: error.message, field: ['input', ...(error.issues[0]?.path.split('.') ?? [])] };
  }
  if (error instanceof IdempotencyConflictError)
    return { code: 'CONFLICT', message: error.message, field: ['input', 'idempotencyKey'] };
  const pg = postgresError(error);
  if (pg?.code === UNIQUE_VIOLATION)
    return { code: 'CONFLICT', message: 'A resource with this name already exists.', field: field ?? null };
  if (pg?.code === INSUFFICIENT_PRIVILEGE) return { code: 'FORBIDDEN', message: 'Not allowed.', field: null };
  return undefined;
}

/** For resolvers that throw (queries): keep known codes, mask the rest. */
export function toGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const user = toUserError(error);
  if (user) return new GraphQLError(user.message, { extensions: { code: user.code } });
  return new GraphQLError('Internal error', { extensions: { code: 'INTERNAL' } });
}
