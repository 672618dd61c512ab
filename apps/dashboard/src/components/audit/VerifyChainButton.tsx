'use client';

import { useState, useTransition } from 'react';
import { verifyAuditChainAction } from '@/lib/actions/audit';
import { formatCount } from '@/lib/format';

type Verification = { ok: boolean; count: number; brokenAtSeq: number | null; headHash: string | null };

/** Recomputes the tenant's audit hash chain on the gateway and shows the verdict. */
export function VerifyChainButton() {
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<Verification | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="stack">
      <div>
        <button
          type="button"
          className="button"
          disabled={pending}
          onClick={() =>
            startTransition(async () => {
              setError(null);
              const outcome = await verifyAuditChainAction();
              if (outcome.ok) setResult(outcome.data);
              else {
                setResult(null);
                setError(outcome.message ?? 'Verification failed.');
              }
            })
          }
        >
          {pending ? 'Verifying…' : 'Verify chain'}
        </button>
      </div>
      <div aria-live="polite">
        {error ? (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        ) : null}
        {result ? (
          result.ok ? (
            <div className="alert alert-success">
              <p className="alert-title">The audit chain is intact.</p>
              <p>
                {formatCount(result.count)} entries verified.
                {result.headHash ? (
                  <>
                    {' '}
                    Head hash: <code>{result.headHash}</code>
                  </>
                ) : null}
              </p>
            </div>
          ) : (
            <div className="alert alert-error">
              <p className="alert-title">The audit chain is broken.</p>
              <p>
                {result.brokenAtSeq !== null
                  ? `Entry #${result.brokenAtSeq} does not match the hash of the entries before it`
                  : 'The chain does not verify'}{' '}
                ({formatCount(result.count)} entries checked). Treat the log from that entry on as tampered with.
              </p>
            </div>
          )
        ) : null}
      </div>
    </div>
  );
}
