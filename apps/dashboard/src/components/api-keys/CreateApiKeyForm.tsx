'use client';
/** Creating an API key: the secret is shown once, with a copy button. */
import { useState } from 'react';
import { Field, FormMessage, fieldProps } from '@/components/Field';
import { useFormAction } from '@/components/useFormAction';
import { type CreatedKey, createApiKeyAction } from '@/lib/actions/api-keys';
import { type FormState, idle } from '@/lib/forms';
import type { Role } from '@/lib/graphql/generated';
import { roleLabel } from '@/lib/permissions';

export function CreateApiKeyForm({ roles, minDate }: { roles: Role[]; minDate: string }) {
  const [state, formProps, pending] = useFormAction<FormState<CreatedKey>>(createApiKeyAction, idle);
  const errors = state.ok === false ? state.fieldErrors : {};
  const created = state.ok ? state.data : null;
  return (
    <div className="stack">
      {created ? <SecretOnce created={created} /> : null}
      <form {...formProps} className="form" noValidate>
        <FormMessage state={state.ok ? { ok: null } : state} />
        <div className="form-row">
          <Field id="key-name" label="Name" error={errors.name}>
            <input
              type="text"
              name="name"
              maxLength={100}
              placeholder="CI deploy gate"
              {...fieldProps('key-name', errors.name)}
            />
          </Field>
          <Field id="key-role" label="Role" error={errors.role}>
            <select
              name="role"
              defaultValue={roles.includes('ANALYST') ? 'ANALYST' : roles[0]}
              {...fieldProps('key-role', errors.role)}
            >
              {roles.map((r) => (
                <option key={r} value={r}>
                  {roleLabel(r)}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <div className="form-row">
          <Field
            id="key-scopes"
            label="Scopes (optional)"
            hint="Comma- or space-separated, e.g. scans:write models:read. Empty: everything the role allows."
            error={errors.scopes}
          >
            <input type="text" name="scopes" autoComplete="off" {...fieldProps('key-scopes', errors.scopes, true)} />
          </Field>
          <Field
            id="key-expiry"
            label="Expires on (optional)"
            hint="End of that day, UTC. Empty: never expires."
            error={errors.expiresAt}
          >
            <input type="date" name="expiresAt" min={minDate} {...fieldProps('key-expiry', errors.expiresAt, true)} />
          </Field>
        </div>
        <div>
          <button type="submit" className="button button-primary" disabled={pending}>
            {pending ? 'Creating…' : 'Create API key'}
          </button>
        </div>
      </form>
    </div>
  );
}

function SecretOnce({ created }: { created: CreatedKey }) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <div className="alert alert-success" role="status">
      <p className="alert-title">Key “{created.name}” created</p>
      <p>Copy the secret now: it is shown only this once.</p>
      <div className="secret">
        <code id="new-key-secret">{created.secret}</code>
        <button
          type="button"
          className="button button-small"
          aria-label="Copy the API key secret"
          onClick={() => {
            navigator.clipboard.writeText(created.secret).then(
              () => setCopied('copied'),
              () => setCopied('failed'),
            );
          }}
        >
          {copied === 'copied' ? 'Copied' : 'Copy'}
        </button>
      </div>
      {copied === 'failed' ? <p className="small">Copying is blocked here: select the secret and copy it by hand.</p> : null}
    </div>
  );
}
