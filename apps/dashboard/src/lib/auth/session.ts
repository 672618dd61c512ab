/**
 * Reading the signed-in user's gateway token on the server (server components, server actions,
 * route handlers) from next-auth's encrypted cookie.
 */
import 'server-only';
import { cookies } from 'next/headers';
import type { NextRequest } from 'next/server';
import { getToken } from 'next-auth/jwt';
import { cache } from 'react';
import { env } from '@/env';

export interface GatewaySession {
  token: string;
  user: { id: string; email: string; name: string };
  expiresAt: string | null;
}

export const getGatewaySession = cache(async (): Promise<GatewaySession | null> => {
  const cookieStore = await cookies();
  // getToken only reads `cookies` (and an Authorization header, which we deliberately leave out).
  const req = { cookies: cookieStore, headers: {} } as unknown as NextRequest;
  const jwt = await getToken({ req, secret: env.nextAuthSecret, secureCookie: env.nextAuthUrl.startsWith('https://') });
  if (!jwt?.gatewayToken) return null;
  if (jwt.gatewayExpiresAt && Date.parse(jwt.gatewayExpiresAt) <= Date.now()) return null;
  return {
    token: jwt.gatewayToken,
    user: { id: jwt.userId ?? '', email: jwt.email ?? '', name: jwt.name ?? jwt.email ?? '' },
    expiresAt: jwt.gatewayExpiresAt ?? null,
  };
});
