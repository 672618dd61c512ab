/**
 * Exchanging credentials for a gateway session token, on the dashboard's server only: the
 * password goes to the gateway's `signIn` mutation; an OIDC id_token to `signInWithOidc`.
 */
import 'server-only';
import { env } from '@/env';
import { executeOperation, GatewayError } from '@/lib/graphql/client';
import { operation } from '@/lib/graphql/document';
import { SignInMutation, SignOutMutation } from '@/lib/graphql/operations';

export interface GatewaySignIn {
  token: string;
  expiresAt: string | null;
  user: { id: string; email: string; name: string };
}

/** A failure the sign-in page can explain (it arrives there as `?error=<message>`). */
export class SignInError extends Error {
  override readonly name = 'SignInError';
}

export async function signInWithPassword(email: string, password: string): Promise<GatewaySignIn | null> {
  try {
    const result = await executeOperation(env.gatewayGraphqlUrl, SignInMutation, { input: { email, password } }, { auth: null });
    const payload = result.signIn;
    if (payload.token && payload.user) return { token: payload.token, expiresAt: payload.expiresAt, user: payload.user };
    const error = payload.userErrors[0];
    // wrong email or password: next-auth shows its generic "CredentialsSignin"
    if (!error || error.code === 'UNAUTHENTICATED' || error.code === 'INVALID_INPUT') return null;
    throw new SignInError(error.message);
  } catch (error) {
    if (error instanceof SignInError) throw error;
    throw new SignInError(error instanceof GatewayError ? error.message : 'Sign-in failed: the gateway did not answer.');
  }
}

/**
 * Not in the SDL yet (see the dashboard README): the gateway is to verify the id_token against
 * the same issuer (signature, audience = OIDC_CLIENT_ID, expiry, email_verified) and map its
 * email to an existing user, answering like `signIn`. Hand-typed, outside codegen, until then.
 */
const SignInWithOidcMutation = operation<
  {
    signInWithOidc: {
      token: string | null;
      expiresAt: string | null;
      user: { id: string; email: string; name: string } | null;
      userErrors: { code: string; message: string }[];
    };
  },
  { input: { idToken: string } }
>(`
  mutation SignInWithOidc($input: SignInWithOidcInput!) {
    signInWithOidc(input: $input) {
      token
      expiresAt
      user { id email name }
      userErrors { code message }
    }
  }
`);

export async function signInWithOidcToken(idToken: string): Promise<GatewaySignIn> {
  try {
    const result = await executeOperation(env.gatewayGraphqlUrl, SignInWithOidcMutation, { input: { idToken } }, { auth: null });
    const payload = result.signInWithOidc;
    if (payload.token && payload.user) return { token: payload.token, expiresAt: payload.expiresAt, user: payload.user };
    throw new SignInError(payload.userErrors[0]?.message ?? 'Single sign-on was refused by the gateway.');
  } catch (error) {
    if (error instanceof SignInError) throw error;
    if (error instanceof GatewayError && error.code === 'GRAPHQL_VALIDATION_FAILED') {
      throw new SignInError('Single sign-on is not enabled on this gateway yet: sign in with email and password.');
    }
    throw new SignInError(error instanceof GatewayError ? error.message : 'Single sign-on failed: the gateway did not answer.');
  }
}

/** Ends the gateway session behind a dashboard sign-out (best effort: it expires anyway). */
export async function signOutOfGateway(token: string): Promise<void> {
  try {
    await executeOperation(env.gatewayGraphqlUrl, SignOutMutation, {}, { auth: { token }, timeoutMs: 5000 });
  } catch (error) {
    console.warn('gateway signOut failed:', error instanceof Error ? error.message : error);
  }
}
