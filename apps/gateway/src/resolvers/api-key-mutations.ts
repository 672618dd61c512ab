/** API keys: create and revoke. */

import { schema } from '@antidote/db';
import { and, eq, isNull } from 'drizzle-orm';
import { API_KEY_SCOPES, isApiKeyScope } from '../access.ts';
import { fromApiRole, newApiKeySecret, requireRole } from '../auth.ts';
import { announceCredentialEnded } from '../credentials.ts';
import { ApiError } from '../errors.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { attempt, audit, checkName, need } from './mutation-support.ts';

export const apiKeyMutations: Resolvers = {
  Mutation: {
    createApiKey: (_p, { input }, ctx) =>
      attempt(async () => {
        const auth = ctx.requireAuth();
        requireRole(auth, 'admin');
        const name = checkName(input.name, ['input', 'name']);
        const role = fromApiRole(input.role);
        if (role === 'owner') throw new ApiError('INVALID_INPUT', 'API keys cannot have the owner role.', ['input', 'role']);
        const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
        if (expiresAt && expiresAt.getTime() <= Date.now())
          throw new ApiError('INVALID_INPUT', 'expiresAt is in the past.', ['input', 'expiresAt']);
        const scopes = [...new Set(input.scopes ?? [])];
        const unknown = scopes.filter((s) => !isApiKeyScope(s));
        if (unknown.length > 0)
          throw new ApiError(
            'INVALID_INPUT',
            `Unknown scopes ${unknown.join(', ')}; the scopes are ${Object.keys(API_KEY_SCOPES).join(', ')}.`,
            ['input', 'scopes'],
          );
        const { secret, prefix, hash } = newApiKeySecret();
        return ctx.tenant(async (tx) => {
          const [apiKey] = await tx
            .insert(schema.apiKeys)
            .values({
              tenantId: auth.tenantId,
              name,
              prefix,
              keyHash: hash,
              role,
              scopes,
              expiresAt,
              createdBy: auth.userId,
            })
            .returning();
          if (!apiKey) throw new Error('api key insert returned nothing');
          await audit(tx, auth, 'apikey.create', `apikey:${apiKey.id}`, { name, role, prefix });
          return { apiKey, secret };
        });
      }),

    revokeApiKey: (_p, { input }, ctx) =>
      attempt(async () => {
        const auth = ctx.requireAuth();
        requireRole(auth, 'admin');
        const id = need(input.id, 'ApiKey', ['input', 'id']);
        const revoked = await ctx.tenant(async (tx) => {
          const [apiKey] = await tx
            .update(schema.apiKeys)
            .set({ revokedAt: new Date() })
            .where(and(eq(schema.apiKeys.id, id), isNull(schema.apiKeys.revokedAt)))
            .returning();
          if (!apiKey) throw new ApiError('NOT_FOUND', 'No active API key with this ID.', ['input', 'id']);
          await audit(tx, auth, 'apikey.revoke', `apikey:${id}`, { prefix: apiKey.prefix });
          await announceCredentialEnded(tx, { apiKeyId: id });
          return { apiKey };
        });
        // committed: this gateway refuses the key from its next request on, without waiting for the NOTIFY
        ctx.services.credentials.forget({ apiKeyId: id });
        return revoked;
      }),
  },
};
