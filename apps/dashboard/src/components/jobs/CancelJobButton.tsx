'use client';

import { useState, useTransition } from 'react';
import { RestrictedNote } from '@/components/Field';
import { usePermission } from '@/components/shell/ViewerProvider';
import { cancelJobAction } from '@/lib/actions/jobs';

export function CancelJobButton({ jobId, disabled }: { jobId: string; disabled: boolean }) {
  const permission = usePermission('cancelJob');
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  if (!permission.allowed) return <RestrictedNote>{permission.reason}</RestrictedNote>;
  return (
    <div className="stack">
      <div>
        <button
          type="button"
          className="button button-danger"
          disabled={disabled || pending}
          onClick={() => {
            if (!window.confirm('Cancel this job? Work done so far is kept in its checkpoint, but the job will not finish.'))
              return;
            startTransition(async () => {
              const result = await cancelJobAction(jobId);
              setMessage(
                result.ok
                  ? { ok: true, text: result.message ?? 'Cancellation requested.' }
                  : { ok: false, text: result.message ?? 'Could not cancel.' },
              );
            });
          }}
        >
          {pending ? 'Cancelling…' : 'Cancel job'}
        </button>
      </div>
      {message ? (
        <div className={`alert ${message.ok ? 'alert-success' : 'alert-error'}`} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </div>
      ) : null}
    </div>
  );
}
