import type { Metadata } from 'next';
import { oidcEnabled, oidcName } from '@/lib/auth/options';
import { getGatewaySession } from '@/lib/auth/session';
import { safeCallback } from '@/lib/safe-callback';
import { param, type SearchParams } from '@/lib/search-params';
import { SignInForm } from './SignInForm';

export const metadata: Metadata = { title: 'Sign in' };

const MESSAGES: Record<string, string> = {
  CredentialsSignin: 'Wrong email or password.',
  SessionExpired: 'Your session has ended. Sign in again.',
  SessionRequired: 'Sign in to continue.',
  AccessDenied: 'Access denied.',
  OAuthSignin: 'Could not start single sign-on with the identity provider.',
  OAuthCallback: 'The identity provider’s answer could not be used.',
  Callback: 'Sign-in could not be completed.',
  Configuration: 'Sign-in is misconfigured on the server (see the dashboard logs).',
  Default: 'Sign-in failed.',
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const errorParam = param(params, 'error');
  const error = errorParam ? (MESSAGES[errorParam] ?? errorParam) : null;
  const session = errorParam === 'SessionExpired' ? null : await getGatewaySession();
  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            A
          </span>
          Antidote
        </div>
        <h1>Sign in</h1>
        <SignInForm
          callbackUrl={safeCallback(param(params, 'callbackUrl'))}
          error={error}
          oidc={oidcEnabled && oidcName ? { name: oidcName } : null}
          signedInAs={session?.user.email ?? null}
        />
      </div>
    </main>
  );
}
