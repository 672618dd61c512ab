/**
 * What a server action answers a form: success with data, or errors placed next to the fields
 * they belong to (the gateway's userErrors carry the input path) and a form-level message.
 */
import type { GatewayFailure } from '@/lib/graphql/client';

export type FieldErrors = Record<string, string>;

export type ActionResult<T = null> =
  | { ok: true; data: T; message: string | null }
  | { ok: false; message: string | null; fieldErrors: FieldErrors };

/** Initial state for useActionState. */
export type FormState<T = null> = ActionResult<T> | { ok: null };

export const idle: { ok: null } = { ok: null };

interface UserErrorLike {
  code: string;
  message: string;
  field: readonly string[] | null;
}

/**
 * Maps userErrors to form fields. A path like ["input", "webhooks", "0", "url"] becomes
 * "webhooks.0.url"; `aliases` renames API fields to form fields (uploadId -> file); errors on
 * fields the form does not show become the form-level message.
 */
export function fromUserErrors(
  errors: readonly UserErrorLike[],
  formFields: readonly string[],
  aliases: Record<string, string> = {},
): { ok: false; message: string | null; fieldErrors: FieldErrors } {
  const fieldErrors: FieldErrors = {};
  const general: string[] = [];
  for (const error of errors) {
    const path = (error.field ?? []).filter((part, index) => !(index === 0 && part === 'input')).join('.');
    const field = aliases[path] ?? path;
    if (field && formFields.includes(field)) {
      fieldErrors[field] = fieldErrors[field] ? `${fieldErrors[field]} ${error.message}` : error.message;
    } else {
      general.push(error.message);
    }
  }
  return { ok: false, message: general.length ? general.join(' ') : null, fieldErrors };
}

export function fromFailure(failure: GatewayFailure): { ok: false; message: string; fieldErrors: FieldErrors } {
  return { ok: false, message: failureMessage(failure), fieldErrors: {} };
}

export function invalid(
  fieldErrors: FieldErrors,
  message: string | null = null,
): { ok: false; message: string | null; fieldErrors: FieldErrors } {
  return { ok: false, message, fieldErrors };
}

export function failureMessage(failure: GatewayFailure): string {
  switch (failure.code) {
    case 'FORBIDDEN':
      return `Not allowed: ${failure.message}`;
    case 'RATE_LIMITED':
      return `Too many requests: ${failure.message} Try again in a moment.`;
    case 'NETWORK':
      return failure.message;
    default:
      return failure.message || 'Something went wrong.';
  }
}

/** FormData text field, trimmed; undefined when empty or absent. */
export function text(formData: FormData, name: string): string | undefined {
  const value = formData.get(name);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function checked(formData: FormData, name: string): boolean {
  const value = formData.get(name);
  return value === 'on' || value === 'true' || value === '1';
}

/** A number field: undefined when empty, NaN when not a number (report it as a field error). */
export function numberField(formData: FormData, name: string): number | undefined {
  const value = text(formData, name);
  return value === undefined ? undefined : Number(value);
}
