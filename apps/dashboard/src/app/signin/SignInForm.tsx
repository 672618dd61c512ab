'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { signIn } from 'next-auth/react';
import { type FormEvent, useState } from 'react';

const MESSAGES: Record<string, string> = {
  CredentialsSignin: 'Wrong email or password.',
};

export function SignInForm({
  callbackUrl,
  error: initialError,
  oidc,
  signedInAs,
}: {
  callbackUrl: string;
  error: string | null;
  oidc: { name: string } | null;
  signedInAs: string | null;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(initialError);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const email = String(data.get('email') ?? '').trim();
    const password = String(data.get('password') ?? '');
    if (!email || !password) {
      setError('Enter your email and password.');
      return;
    }
    setPending(true);
    setError(null);
    try {
      const result = await signIn('credentials', { email, password, redirect: false, callbackUrl });
      if (!result || result.error) {
        setError(result?.error ? (MESSAGES[result.error] ?? result.error) : 'Sign-in failed.');
        setPending(false);
        return;
      }
      router.replace(callbackUrl);
      router.refresh();
    } catch {
      setError('Could not reach the dashboard server.');
      setPending(false);
    }
  }

  return (
    <>
      {signedInAs ? (
        <div className="alert alert-info" role="status">
          You are signed in as {signedInAs}. <Link href="/">Continue to the dashboard</Link>, or sign in as someone else.
        </div>
      ) : null}
      {error ? (
        <div className="alert alert-error" role="alert" id="signin-error">
          {error}
        </div>
      ) : null}
      <form className="form" onSubmit={submit} noValidate aria-describedby={error ? 'signin-error' : undefined}>
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" name="email" type="email" autoComplete="username" required />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </div>
        <button type="submit" className="button button-primary full" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {oidc ? (
        <>
          <div className="divider">or</div>
          <button type="button" className="button full" onClick={() => void signIn('oidc', { callbackUrl })}>
            Continue with {oidc.name}
          </button>
        </>
      ) : null}
    </>
  );
}
