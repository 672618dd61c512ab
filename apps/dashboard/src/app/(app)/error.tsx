'use client';

import Link from 'next/link';

/** Unexpected failures inside a page: say so, offer a retry, never a blank page. */
export default function AppError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error && 'digest' in error ? String((error as { digest?: unknown }).digest ?? '') : '';
  const message = error instanceof Error ? error.message : 'Unexpected error.';
  return (
    <section aria-labelledby="error-heading">
      <h1 id="error-heading">Something went wrong</h1>
      <div className="alert alert-error" role="alert">
        <p>{message}</p>
        {digest ? <p className="small mono">Reference for the server logs: {digest}</p> : null}
      </div>
      <div className="row">
        <button type="button" className="button button-primary" onClick={() => retry()}>
          Try again
        </button>
        <Link className="button" href="/">
          Overview
        </Link>
      </div>
    </section>
  );
}
