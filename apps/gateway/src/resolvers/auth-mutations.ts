/** Sign-in and sign-out mutations. */
import { createSession, deleteSession, issueSocketToken } from '../auth.ts';
import { ApiError } from '../errors.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { verifyIdToken } from '../oidc.ts';
import {
  ACCOUNT_POLICY,
  ADDRESS_POLICY,
  accountKey,
  addressKey,
  assertNotThrottled,
  clearFailures,
  recordFailure,
} from '../throttle.ts';
import { attempt } from './mutation-support.ts';

export const authMutations: Resolvers = {
  Mutation: {
    signIn: (_p, { input }, ctx) =>
      attempt(async () => {
        const { database, env } = ctx.services;
        const account = accountKey(input.email);
        const address = addressKey(ctx.clientIp);
        await assertNotThrottled(database, [account, address]);
        const session = await createSession(database, input.email.trim(), input.password, env.passwordPolicy);
        if (!session) {
          await recordFailure(database, account, ACCOUNT_POLICY);
          await recordFailure(database, address, ADDRESS_POLICY);
          throw new ApiError('UNAUTHENTICATED', 'Wrong email or password.', ['input', 'password']);
        }
        await clearFailures(database, account);
        return session;
      }),
    signInWithOidc: (_p, { input }, ctx) =>
      attempt(async () => {
        const config = ctx.services.env.oidc;
        if (!config) throw new ApiError('INVALID_INPUT', 'Single sign-on is not configured on this gateway.');
        const email = await verifyIdToken(input.idToken, config);
        const session = await createSession(ctx.services.database, email, { verifiedBySso: true as const });
        if (!session)
          throw new ApiError('UNAUTHENTICATED', `No Antidote user has the email ${email}; ask an admin to invite you.`);
        return session;
      }),
    createSocketToken: (_p, _a, ctx) =>
      attempt(async () =>
        issueSocketToken(
          ctx.services.env.signingSecret,
          ctx.requireAuth(),
          ctx.services.env.ANTIDOTE_SOCKET_TOKEN_SECONDS * 1000,
        ),
      ),
    signOut: async (_p, _a, ctx) => {
      const auth = ctx.requireAuth();
      if (auth.sessionId) {
        await deleteSession(ctx.services.database, auth.sessionId);
        ctx.services.credentials.forget({ sessionId: auth.sessionId });
      }
      return true;
    },
  },
};
