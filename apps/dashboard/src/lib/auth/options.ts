/**
 * next-auth configuration: a JWT session (encrypted cookie) that carries the gateway's session
 * token. Users sign in with email + password (checked by the gateway) or, when configured, an
 * OIDC provider whose id_token the gateway maps to a user by email.
 */
import 'server-only';
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import type { OAuthConfig } from 'next-auth/providers/oauth';
import { env } from '@/env';
import { SignInError, signInWithOidcToken, signInWithPassword, signOutOfGateway } from './gateway-sign-in';

const SESSION_MAX_AGE_SECONDS = 7 * 24 * 3600; // the gateway's sessions last 7 days

interface OidcProfile {
  sub: string;
  email?: string;
  name?: string;
  preferred_username?: string;
}

function oidcProvider(): OAuthConfig<OidcProfile>[] {
  const oidc = env.oidc;
  if (!oidc) return [];
  return [
    {
      id: 'oidc',
      name: oidc.name,
      type: 'oauth',
      wellKnown: `${oidc.issuer}/.well-known/openid-configuration`,
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
      authorization: { params: { scope: 'openid email profile' } },
      idToken: true,
      checks: ['pkce', 'state'],
      profile: (profile) => ({
        id: profile.sub,
        email: profile.email ?? null,
        name: profile.name ?? profile.preferred_username ?? profile.email ?? profile.sub,
      }),
    },
  ];
}

export const oidcEnabled = env.oidc !== null;
export const oidcName = env.oidc?.name ?? null;

export const authOptions: NextAuthOptions = {
  secret: env.nextAuthSecret,
  session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: '/signin', error: '/signin' },
  providers: [
    CredentialsProvider({
      id: 'credentials',
      name: 'Email and password',
      credentials: {
        email: { label: 'Email', type: 'email' },
        password: { label: 'Password', type: 'password' },
      },
      async authorize(credentials) {
        const email = credentials?.email?.trim();
        const password = credentials?.password;
        if (!email || !password) return null;
        const result = await signInWithPassword(email, password);
        if (!result) return null;
        return {
          id: result.user.id,
          email: result.user.email,
          name: result.user.name,
          gatewayToken: result.token,
          gatewayExpiresAt: result.expiresAt,
        };
      },
    }),
    ...oidcProvider(),
  ],
  callbacks: {
    async signIn({ user, account }) {
      if (account?.provider !== 'oidc') return true;
      if (!account.id_token) return `/signin?error=${encodeURIComponent('The identity provider returned no id_token.')}`;
      try {
        const result = await signInWithOidcToken(account.id_token);
        // Without a database adapter next-auth hands this same object to the jwt callback.
        user.id = result.user.id;
        user.email = result.user.email;
        user.name = result.user.name;
        user.gatewayToken = result.token;
        user.gatewayExpiresAt = result.expiresAt;
        return true;
      } catch (error) {
        const message = error instanceof SignInError ? error.message : 'Single sign-on failed.';
        return `/signin?error=${encodeURIComponent(message)}`;
      }
    },
    async jwt({ token, user }) {
      if (user) {
        token.userId = user.id;
        token.name = user.name ?? null;
        token.email = user.email ?? null;
        token.gatewayToken = user.gatewayToken;
        token.gatewayExpiresAt = user.gatewayExpiresAt ?? null;
      }
      if (token.gatewayExpiresAt && Date.parse(token.gatewayExpiresAt) <= Date.now()) {
        // the gateway session is over: keep the cookie but without a usable token
        delete token.gatewayToken;
      }
      return token;
    },
    async session({ session, token }) {
      // The gateway token stays server-side: /api/auth/session never exposes it.
      session.user = { id: token.userId ?? '', email: token.email ?? '', name: token.name ?? token.email ?? '' };
      return session;
    },
  },
  events: {
    async signOut({ token }) {
      if (token?.gatewayToken) await signOutOfGateway(token.gatewayToken);
    },
  },
};
