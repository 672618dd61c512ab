/** drizzle wraps driver errors ("Failed query: ...") with the Postgres error as `cause`. */
export interface PostgresErrorInfo {
  /** SQLSTATE, e.g. 23505 unique_violation, 42501 insufficient_privilege. */
  code: string;
  message: string;
  constraint?: string;
}

export function postgresError(error: unknown): PostgresErrorInfo | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const candidate = current as { code?: unknown; message?: unknown; constraint?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return {
        code: candidate.code,
        message: String(candidate.message ?? ''),
        ...(typeof candidate.constraint === 'string' ? { constraint: candidate.constraint } : {}),
      };
    }
    current = candidate.cause;
  }
  return undefined;
}

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
export const INSUFFICIENT_PRIVILEGE = '42501';
