import type { ReactNode } from 'react';
import type { GatewayFailure } from '@/lib/graphql/client';

const HINTS: Record<string, string> = {
  NETWORK: 'Check that the gateway is running and reachable from the dashboard server (GATEWAY_URL).',
  FORBIDDEN: 'Your role in this tenant does not allow this. Ask an admin, or switch tenant.',
  RATE_LIMITED: 'Wait a moment and reload.',
  INTERNAL: 'The gateway hit an internal error. Reload, and tell your administrator if it persists.',
};

/** A visible, announced error: a failed query, a refused mutation, a failed job. */
export function ErrorPanel({ title, error, children }: { title: string; error: GatewayFailure | string; children?: ReactNode }) {
  const failure = typeof error === 'string' ? { code: '', message: error } : error;
  const hint = HINTS[failure.code];
  return (
    <div className="alert alert-error" role="alert">
      <p className="alert-title">{title}</p>
      <p>
        {failure.message}
        {failure.code ? (
          <>
            {' '}
            <span className="mono small">({failure.code})</span>
          </>
        ) : null}
      </p>
      {hint ? <p className="small">{hint}</p> : null}
      {children}
    </div>
  );
}

export function Notice({
  tone = 'info',
  title,
  children,
}: {
  tone?: 'info' | 'success' | 'warning' | 'error';
  title?: string;
  children: ReactNode;
}) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {title ? <p className="alert-title">{title}</p> : null}
      {children}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <h3>{title}</h3>
      {children}
    </div>
  );
}
