'use client';
/** A graphql-ws subscription bound to a component's lifetime, with a connection status. */
import { useEffect, useRef, useState } from 'react';
import type { GatewayFailure } from '@/lib/graphql/client';
import type { TypedOperation } from '@/lib/graphql/document';
import { onConnectionChange, subscribe } from '@/lib/graphql/subscriptions';

export type LiveStatus = 'off' | 'connecting' | 'live' | 'reconnecting' | 'done' | 'error';

export function useSubscription<TData, TVariables>(
  tenant: string,
  document: TypedOperation<TData, TVariables>,
  variables: TVariables,
  options: { enabled: boolean; onData: (data: TData) => void; onComplete?: () => void },
): { status: LiveStatus; error: GatewayFailure | null } {
  const [status, setStatus] = useState<LiveStatus>(options.enabled ? 'connecting' : 'off');
  const [error, setError] = useState<GatewayFailure | null>(null);
  const handlers = useRef(options);
  handlers.current = options;
  const key = JSON.stringify(variables);
  const variablesRef = useRef(variables);
  variablesRef.current = variables;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the variables' content; re-subscribe only when it changes
  useEffect(() => {
    if (!options.enabled) {
      setStatus((s) => (s === 'done' ? s : 'off'));
      return;
    }
    let finished = false;
    setStatus('connecting');
    setError(null);
    const offConnection = onConnectionChange(tenant, (state) => {
      if (finished) return;
      setStatus(state === 'connected' ? 'live' : 'reconnecting');
    });
    const unsubscribe = subscribe(tenant, document, variablesRef.current, {
      next: (data) => {
        setStatus('live');
        handlers.current.onData(data);
      },
      error: (failure) => {
        finished = true;
        setError(failure);
        setStatus('error');
      },
      complete: () => {
        finished = true;
        setStatus((s) => (s === 'error' ? s : 'done'));
        handlers.current.onComplete?.();
      },
    });
    return () => {
      finished = true;
      offConnection();
      unsubscribe();
    };
  }, [tenant, document, key, options.enabled]);

  return { status, error };
}

const LABELS: Record<LiveStatus, string> = {
  off: 'Not live',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  done: 'Finished',
  error: 'Live updates stopped',
};

export function LiveIndicator({ status, error }: { status: LiveStatus; error: GatewayFailure | null }) {
  const state =
    status === 'live'
      ? 'live'
      : status === 'error'
        ? 'error'
        : status === 'reconnecting' || status === 'connecting'
          ? 'reconnecting'
          : 'off';
  return (
    <span className="live-dot" data-state={state} title={error?.message}>
      {LABELS[status]}
      {status === 'error' && error ? `: ${error.message}` : ''}
    </span>
  );
}
