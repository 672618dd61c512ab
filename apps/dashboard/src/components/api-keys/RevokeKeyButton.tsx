'use client';

import { useState, useTransition } from 'react';
import { revokeApiKeyAction } from '@/lib/actions/api-keys';

export function RevokeKeyButton({ id, name }: { id: string; name: string }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="button button-small button-danger"
        disabled={pending}
        aria-label={`Revoke API key ${name}`}
        onClick={() => {
          if (!window.confirm(`Revoke “${name}”? Pipelines using it will be refused at once.`)) return;
          startTransition(async () => {
            const result = await revokeApiKeyAction(id);
            setError(result.ok ? null : (result.message ?? 'Could not revoke.'));
          });
        }}
      >
        {pending ? 'Revoking…' : 'Revoke'}
      </button>
      {error ? (
        <div className="field-error" role="alert">
          {error}
        </div>
      ) : null}
    </>
  );
}
