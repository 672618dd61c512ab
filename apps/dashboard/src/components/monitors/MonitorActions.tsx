'use client';
/** Row actions of a monitor: pause/resume, send a test webhook (shows each delivery), delete. */
import { useState, useTransition } from 'react';
import { type Delivery, deleteMonitorAction, setMonitorEnabledAction, testMonitorWebhookAction } from '@/lib/actions/monitors';

export function MonitorActions({
  id,
  name,
  enabled,
  webhookCount,
}: {
  id: string;
  name: string;
  enabled: boolean;
  webhookCount: number;
}) {
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);

  const run = (work: () => Promise<void>) => startTransition(work);

  return (
    <div className="stack">
      <div className="row">
        <button
          type="button"
          className="button button-small"
          disabled={pending || webhookCount === 0}
          title={webhookCount === 0 ? 'This monitor has no webhooks' : undefined}
          aria-label={`Send a test webhook for ${name}`}
          onClick={() =>
            run(async () => {
              setMessage(null);
              setDeliveries(null);
              const result = await testMonitorWebhookAction(id);
              if (result.ok) {
                setDeliveries(result.data);
                if (result.message) setMessage({ ok: true, text: result.message });
              } else setMessage({ ok: false, text: result.message ?? 'The test failed.' });
            })
          }
        >
          Send test
        </button>
        <button
          type="button"
          className="button button-small"
          disabled={pending}
          aria-label={`${enabled ? 'Pause' : 'Resume'} ${name}`}
          onClick={() =>
            run(async () => {
              const result = await setMonitorEnabledAction(id, !enabled);
              setMessage({ ok: result.ok, text: result.message ?? (result.ok ? 'Saved.' : 'Failed.') });
            })
          }
        >
          {enabled ? 'Pause' : 'Resume'}
        </button>
        <button
          type="button"
          className="button button-small button-danger"
          disabled={pending}
          aria-label={`Delete ${name}`}
          onClick={() => {
            if (!window.confirm(`Delete the monitor “${name}”? Its past scans and findings are kept.`)) return;
            run(async () => {
              const result = await deleteMonitorAction(id);
              if (!result.ok) setMessage({ ok: false, text: result.message ?? 'Could not delete.' });
            });
          }}
        >
          Delete
        </button>
      </div>
      {message ? (
        <div className={`alert ${message.ok ? 'alert-success' : 'alert-error'}`} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </div>
      ) : null}
      {deliveries?.length ? (
        <ul className="small" role="status" aria-label="Test deliveries">
          {deliveries.map((d) => (
            <li key={d.url}>
              <code>{d.url}</code>: <strong>{d.status}</strong>
              {d.responseCode !== null ? ` (HTTP ${d.responseCode})` : ''}
              {d.error ? <span className="field-error"> {d.error}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
