/**
 * Signed-out visitors of a page go to the sign-in form with the page as callbackUrl, so they come
 * back where they were. Only a redirect: pages still check the session on the server.
 */
import { type NextRequest, NextResponse } from 'next/server';

const SESSION_COOKIES = ['next-auth.session-token', '__Secure-next-auth.session-token'];

export function proxy(request: NextRequest) {
  if (SESSION_COOKIES.some((name) => request.cookies.has(name))) return NextResponse.next();
  const url = request.nextUrl.clone();
  url.pathname = '/signin';
  url.search = `?callbackUrl=${encodeURIComponent(request.nextUrl.pathname + request.nextUrl.search)}`;
  return NextResponse.redirect(url);
}

export const config = {
  // everything but sign-in, next-auth's own routes, Next's assets and the icon
  matcher: ['/((?!signin|api/auth|_next/|icon.svg|favicon.ico).*)'],
};
