/**
 * Runs before every page: gives the response a Content-Security-Policy with a nonce of its own,
 * and sends signed-out visitors of a protected page to the sign-in form with the page as
 * callbackUrl, so they come back where they were (only a redirect: pages still check the session
 * on the server).
 *
 * Next.js reads the nonce from the request's CSP header while it renders and stamps it on its
 * framework scripts, so every page must be rendered per request (the root layout awaits
 * `connection()`); a prerendered page would carry no nonce, or a stale one.
 */
import { type NextRequest, NextResponse } from 'next/server';
import { env } from '@/env';
import { contentSecurityPolicy, newNonce } from '@/lib/security-headers';

const SESSION_COOKIES = ['next-auth.session-token', '__Secure-next-auth.session-token'];

/** Reachable without a session: the sign-in form and next-auth's own endpoints. */
const PUBLIC_PATHS = /^\/(?:signin|api\/auth)(?:\/|$)/;

export function proxy(request: NextRequest) {
  const csp = contentSecurityPolicy({ nonce: newNonce(), gatewayUrl: env.publicGatewayUrl, development: env.development });
  const signedIn = SESSION_COOKIES.some((name) => request.cookies.has(name));
  if (!signedIn && !PUBLIC_PATHS.test(request.nextUrl.pathname)) {
    const url = request.nextUrl.clone();
    url.pathname = '/signin';
    url.search = `?callbackUrl=${encodeURIComponent(request.nextUrl.pathname + request.nextUrl.search)}`;
    const redirect = NextResponse.redirect(url);
    redirect.headers.set('Content-Security-Policy', csp);
    return redirect;
  }
  const headers = new Headers(request.headers);
  headers.set('Content-Security-Policy', csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set('Content-Security-Policy', csp);
  return response;
}

export const config = {
  // every page, the sign-in form included; not Next's hashed assets or the icons (no documents)
  matcher: ['/((?!_next/static|_next/image|icon.svg|favicon.ico).*)'],
};
