import type { ReactNode } from 'react';

/**
 * A labelled form field with its hint and error wired to the control via aria-describedby.
 * The control is rendered by the caller with `id`, `aria-invalid` and `aria-describedby` from
 * `fieldProps(id, error, hint)`.
 */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      ) : null}
      {error ? (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}

export function fieldProps(id: string, error: string | undefined, hint?: unknown) {
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return {
    id,
    'aria-invalid': error ? (true as const) : undefined,
    'aria-describedby': describedBy || undefined,
  };
}

/** Form-level messages from a server action result. */
export function FormMessage({ state }: { state: { ok: boolean | null; message?: string | null } }) {
  if (state.ok === null || !state.message) return null;
  return (
    <div className={`alert ${state.ok ? 'alert-success' : 'alert-error'}`} role={state.ok ? 'status' : 'alert'}>
      {state.message}
    </div>
  );
}

export function RestrictedNote({ children }: { children: ReactNode }) {
  return (
    <p className="hint" role="note">
      {children}
    </p>
  );
}
