/** Sign-in and sign-out mutations. */
import { createSession, deleteSession } from '../auth.ts';
import { ApiError } from '../errors.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import { verifyIdToken } from '../oidc.ts';
import { attempt } from './mutation-support.ts';

export const authMutations: Resolvers = {
  Mutation: {
    signIn: (_p, { input }, ctx) =>
      attempt(async () => {
        const session = await createSession(ctx.services.database, input.email.trim(), input.password);
        if (!session) throw new ApiError('UNAUTHENTICATED', 'Wrong email or password.', ['input', 'password']);
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
    signOut: async (_p, _a, ctx) => {
      const auth = ctx.requireAuth();
      if (auth.sessionId) await deleteSession(ctx.services.database, auth.sessionId);
      return true;
    },
  },
};
