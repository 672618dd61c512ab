'use server';
/** API keys for CI pipelines: the secret is returned once, at creation. */
import { refresh } from 'next/cache';
import type { ActionResult, FieldErrors, FormState } from '@/lib/forms';
import { fromFailure, fromUserErrors, invalid, text } from '@/lib/forms';
import { gateway } from '@/lib/gateway/server';
import type { Role } from '@/lib/graphql/generated';
import { CreateApiKeyMutation, RevokeApiKeyMutation } from '@/lib/graphql/operations';
import { ROLES } from '@/lib/vocabulary';

export interface CreatedKey {
  name: string;
  prefix: string;
  secret: string;
}

export async function createApiKeyAction(
  _previous: FormState<CreatedKey>,
  formData: FormData,
): Promise<ActionResult<CreatedKey>> {
  const errors: FieldErrors = {};
  const name = text(formData, 'name');
  if (!name) errors.name = 'Name the key after what uses it (e.g. “CI deploy gate”).';
  const roleText = text(formData, 'role');
  const role = ROLES.find((r) => r === roleText) as Role | undefined;
  if (!role) errors.role = 'Choose a role.';
  const scopes = (text(formData, 'scopes') ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const expires = text(formData, 'expiresAt');
  let expiresAt: string | null = null;
  if (expires) {
    const date = new Date(`${expires}T23:59:59Z`);
    if (Number.isNaN(date.getTime())) errors.expiresAt = 'Give a valid date.';
    else if (date.getTime() <= Date.now()) errors.expiresAt = 'The expiry date must be in the future.';
    else expiresAt = date.toISOString();
  }
  if (Object.keys(errors).length || !role || !name) return invalid(errors);
  const result = await gateway(CreateApiKeyMutation, { input: { name, role, scopes: scopes.length ? scopes : null, expiresAt } });
  if (!result.ok) return fromFailure(result.error);
  const { apiKey, secret, userErrors } = result.data.createApiKey;
  if (!apiKey || !secret) return fromUserErrors(userErrors, ['name', 'role', 'scopes', 'expiresAt']);
  refresh();
  return { ok: true, data: { name: apiKey.name, prefix: apiKey.prefix, secret }, message: null };
}

export async function revokeApiKeyAction(id: string): Promise<ActionResult> {
  if (typeof id !== 'string' || !id) return invalid({}, 'No key given.');
  const result = await gateway(RevokeApiKeyMutation, { input: { id } });
  if (!result.ok) return fromFailure(result.error);
  const { apiKey, userErrors } = result.data.revokeApiKey;
  if (!apiKey) return fromUserErrors(userErrors, []);
  refresh();
  return { ok: true, data: null, message: 'Key revoked.' };
}
