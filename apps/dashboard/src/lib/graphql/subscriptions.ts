/**
 * graphql-ws subscriptions from the browser. One socket per tenant, opened lazily; its
 * credentials come from /api/ws-auth on every (re)connect, so an expired or switched session
 * is picked up without a reload.
 */
import { type Client, createClient } from 'graphql-ws/client';
import type { GatewayFailure } from './client';
import type { TypedOperation } from './document';

interface WsAuth {
  url: string;
  token: string;
}

async function fetchWsAuth(): Promise<WsAuth> {
  const response = await fetch('/api/ws-auth', { cache: 'no-store', credentials: 'same-origin' });
  if (response.status === 401) throw new Error('Your session has ended: sign in again.');
  if (!response.ok) throw new Error(`Could not get live-update credentials (${response.status}).`);
  return (await response.json()) as WsAuth;
}

let current: { tenant: string; client: Client } | null = null;

function clientFor(tenant: string): Client {
  if (current?.tenant === tenant) return current.client;
  current?.client.dispose();
  // url() and connectionParams() run on every (re)connect: share one fetch between them
  let cached: { auth: Promise<WsAuth>; at: number } | null = null;
  const credentials = () => {
    if (!cached || Date.now() - cached.at > 30_000) {
      const auth = fetchWsAuth();
      cached = { auth, at: Date.now() };
      auth.catch(() => {
        cached = null;
      });
    }
    return cached.auth;
  };
  const client = createClient({
    url: async () => (await credentials()).url,
    connectionParams: async () => ({ authorization: `Bearer ${(await credentials()).token}`, tenant }),
    lazy: true,
    lazyCloseTimeout: 3000,
    keepAlive: 15_000,
    retryAttempts: 20,
    shouldRetry: () => true,
  });
  current = { tenant, client };
  return client;
}

export interface SubscriptionHandlers<TData> {
  next: (data: TData) => void;
  error: (failure: GatewayFailure) => void;
  complete: () => void;
}

function describe(error: unknown): GatewayFailure {
  if (Array.isArray(error)) {
    const first = error[0] as { message?: string; extensions?: { code?: unknown } } | undefined;
    const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL';
    return { code, message: error.map((e: { message?: string }) => e.message ?? '').join(' ') || 'Subscription failed.' };
  }
  if (error instanceof Error) return { code: 'NETWORK', message: error.message };
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const close = error as { code: number; reason?: string };
    return {
      code: close.code === 4401 || close.code === 4403 ? 'UNAUTHENTICATED' : 'NETWORK',
      message: close.reason || `Live connection closed (${close.code}).`,
    };
  }
  return { code: 'NETWORK', message: 'Live connection lost.' };
}

/** Subscribes; returns the unsubscribe function. */
export function subscribe<TData, TVariables>(
  tenant: string,
  document: TypedOperation<TData, TVariables>,
  variables: TVariables,
  handlers: SubscriptionHandlers<TData>,
): () => void {
  const client = clientFor(tenant);
  return client.subscribe<TData>(
    { query: document.source, operationName: document.operationName, variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors?.length) handlers.error(describe(result.errors));
        else if (result.data) handlers.next(result.data);
      },
      error: (error) => handlers.error(describe(error)),
      complete: () => handlers.complete(),
    },
  );
}

/** Connection state changes of the tenant's socket (for a "live / reconnecting" indicator). */
export function onConnectionChange(tenant: string, listener: (state: 'connected' | 'closed') => void): () => void {
  const client = clientFor(tenant);
  const offConnected = client.on('connected', () => listener('connected'));
  const offClosed = client.on('closed', () => listener('closed'));
  return () => {
    offConnected();
    offClosed();
  };
}
