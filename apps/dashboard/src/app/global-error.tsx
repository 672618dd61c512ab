'use client';

import './globals.css';

export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = error instanceof Error && 'digest' in error ? String((error as { digest?: unknown }).digest ?? '') : '';
  return (
    <html lang="en">
      <body>
        <main className="main">
          <title>Error · Antidote</title>
          <h1>The dashboard failed to load</h1>
          <div className="alert alert-error" role="alert">
            <p>{error instanceof Error ? error.message : 'Unexpected error.'}</p>
            {digest ? <p className="small mono">Reference: {digest}</p> : null}
          </div>
          <button type="button" className="button button-primary" onClick={() => retry()}>
            Try again
          </button>
        </main>
      </body>
    </html>
  );
}
