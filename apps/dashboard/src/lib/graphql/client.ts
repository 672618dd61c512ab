/**
 * The fetch-based GraphQL client: POSTs a typed operation to the gateway with the caller's
 * session token and tenant, and turns every failure (network, HTTP, GraphQL errors) into one
 * GatewayError with a stable code the UI can show.
 */
import type { TypedOperation } from './document';

export interface GatewayAuth {
  /** Session token (`st_...`) from signIn, or an API key. */
  token: string;
  /** Tenant id or slug; the gateway's default (first membership) when absent. */
  tenant?: string | null | undefined;
}

interface FormattedError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: unknown };
}

/** Codes of the gateway's ErrorCode enum, plus NETWORK / BAD_RESPONSE for transport failures. */
export type GatewayErrorCode = string;

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly status: number | null;
  constructor(code: GatewayErrorCode, message: string, status: number | null = null) {
    super(message);
    this.name = 'GatewayError';
    this.code = code;
    this.status = status;
  }
}

/** A plain, serialisable description of a failure (crosses the server/client boundary). */
export interface GatewayFailure {
  code: string;
  message: string;
}

export function toGatewayFailure(error: unknown): GatewayFailure {
  if (error instanceof GatewayError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'INTERNAL', message: error.message };
  return { code: 'INTERNAL', message: String(error) };
}

export function authHeaders(auth: GatewayAuth | null): Record<string, string> {
  if (!auth) return {};
  const headers: Record<string, string> = { authorization: `Bearer ${auth.token}` };
  if (auth.tenant) headers['x-antidote-tenant'] = auth.tenant;
  return headers;
}

const STATUS_CODES: Record<number, string> = {
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'TOO_LARGE',
  429: 'RATE_LIMITED',
};

function errorCode(error: FormattedError | undefined, status: number): string {
  const code = error?.extensions?.code;
  if (typeof code === 'string') return code;
  return STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_RESPONSE');
}

export interface ExecuteOptions {
  auth: GatewayAuth | null;
  signal?: AbortSignal;
  /** Milliseconds before the request is abandoned (default 20 s). */
  timeoutMs?: number;
}

/** Runs one operation; resolves with `data` or throws a GatewayError. */
export async function executeOperation<TData, TVariables>(
  endpoint: string,
  document: TypedOperation<TData, TVariables>,
  variables: TVariables,
  options: ExecuteOptions,
): Promise<TData> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 20_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...authHeaders(options.auth),
      },
      body: JSON.stringify({ query: document.source, operationName: document.operationName, variables }),
      cache: 'no-store',
      signal,
    });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'is unreachable';
    throw new GatewayError('NETWORK', `The Antidote gateway ${reason} (${endpoint}).`);
  }

  type Body = { data?: TData | null; errors?: FormattedError[] } | null;
  let body: Body = null;
  try {
    body = (await response.json()) as Body;
  } catch {
    body = null;
  }
  const first = body?.errors?.[0];
  if (first) {
    const messages = [...new Set(body?.errors?.map((e) => e.message) ?? [])].join(' ');
    throw new GatewayError(errorCode(first, response.status), messages, response.status);
  }
  if (!response.ok || !body || body.data === undefined || body.data === null) {
    const code = STATUS_CODES[response.status] ?? (response.ok ? 'BAD_RESPONSE' : 'INTERNAL');
    throw new GatewayError(code, `The gateway answered ${response.status} ${response.statusText || ''}`.trim(), response.status);
  }
  return body.data;
}
