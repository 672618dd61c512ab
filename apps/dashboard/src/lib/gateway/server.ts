/**
 * Server-side access to the gateway for server components, server actions and route handlers:
 * every call carries the session token and the effective tenant, and comes back as a Result so
 * pages render a visible error instead of a blank screen. An expired session goes to /signin.
 */
import 'server-only';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { env } from '@/env';
import { type GatewaySession, getGatewaySession } from '@/lib/auth/session';
import { executeOperation, GatewayError, type GatewayFailure, toGatewayFailure } from '@/lib/graphql/client';
import type { TypedOperation } from '@/lib/graphql/document';
import type { ViewerQuery } from '@/lib/graphql/generated';
import { ViewerQuery as ViewerOperation } from '@/lib/graphql/operations';
import { TENANT_COOKIE } from './tenant';

export type Result<T> = { ok: true; data: T } | { ok: false; error: GatewayFailure };

export type Viewer = ViewerQuery['me'];

export interface ViewerContext {
  session: GatewaySession;
  viewer: Viewer;
  /** The tenant every request of this render goes to (its slug, as x-antidote-tenant). */
  tenant: string;
}

const EXPIRED = '/signin?error=SessionExpired';

/** The signed-in session, or a redirect to the sign-in page. */
export async function requireSession(): Promise<GatewaySession> {
  const session = await getGatewaySession();
  if (!session) redirect('/signin');
  return session;
}

/**
 * Who the caller is and in which tenant, once per request. A tenant cookie naming a tenant the
 * user no longer belongs to falls back to the gateway's default tenant.
 */
export const getViewerContext = cache(async (): Promise<Result<ViewerContext>> => {
  const session = await requireSession();
  const chosen = (await cookies()).get(TENANT_COOKIE)?.value;
  let outcome: Result<ViewerQuery>;
  try {
    outcome = { ok: true, data: await run(ViewerOperation, {}, session.token, chosen) };
  } catch (error) {
    outcome = { ok: false, error: toGatewayFailure(error) };
    if (chosen && error instanceof GatewayError && error.code === 'FORBIDDEN') {
      try {
        outcome = { ok: true, data: await run(ViewerOperation, {}, session.token, undefined) };
      } catch (retryError) {
        outcome = { ok: false, error: toGatewayFailure(retryError) };
      }
    }
  }
  if (!outcome.ok) {
    if (outcome.error.code === 'UNAUTHENTICATED') redirect(EXPIRED);
    return outcome;
  }
  const viewer = outcome.data.me;
  return { ok: true, data: { session, viewer, tenant: viewer.tenant.slug } };
});

function run<TData, TVariables>(
  document: TypedOperation<TData, TVariables>,
  variables: TVariables,
  token: string,
  tenant: string | undefined,
): Promise<TData> {
  return executeOperation(env.gatewayGraphqlUrl, document, variables, { auth: { token, tenant } });
}

/** Runs a query or mutation as the signed-in user in the current tenant. */
export async function gateway<TData, TVariables>(
  document: TypedOperation<TData, TVariables>,
  variables: TVariables,
): Promise<Result<TData>> {
  const context = await getViewerContext();
  if (!context.ok) return context;
  let result: Result<TData>;
  try {
    result = { ok: true, data: await run(document, variables, context.data.session.token, context.data.tenant) };
  } catch (error) {
    result = { ok: false, error: toGatewayFailure(error) };
  }
  if (!result.ok && result.error.code === 'UNAUTHENTICATED') redirect(EXPIRED);
  return result;
}

/**
 * A caller bound to this request's session and tenant, for work that outlives the render
 * (a streamed response): it needs no request-scoped APIs after this call.
 */
export async function boundGateway(): Promise<
  Result<<TData, TVariables>(document: TypedOperation<TData, TVariables>, variables: TVariables) => Promise<Result<TData>>>
> {
  const context = await getViewerContext();
  if (!context.ok) return context;
  const { session, tenant } = context.data;
  return {
    ok: true,
    data: async (document, variables) => {
      try {
        return { ok: true, data: await run(document, variables, session.token, tenant) };
      } catch (error) {
        return { ok: false, error: toGatewayFailure(error) };
      }
    },
  };
}
