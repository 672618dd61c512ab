/**
 * Credentials for the browser's graphql-ws connection: the gateway's websocket URL and the
 * session token (kept in the httpOnly next-auth cookie otherwise). Same-origin only: no CORS.
 */
import { env } from '@/env';
import { getGatewaySession } from '@/lib/auth/session';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  const session = await getGatewaySession();
  const headers = { 'cache-control': 'no-store' };
  if (!session) return Response.json({ error: 'Not signed in.' }, { status: 401, headers });
  const url = `${env.publicGatewayUrl.replace(/^http/, 'ws')}/graphql`;
  return Response.json({ url, token: session.token }, { headers });
}
