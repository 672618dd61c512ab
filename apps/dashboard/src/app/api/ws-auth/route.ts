/**
 * Credentials for the browser's graphql-ws connection: the gateway's websocket URL and a socket
 * token minted for this session and tenant. The session token itself stays in the httpOnly
 * next-auth cookie; the socket token only opens a WebSocket, and only for a minute.
 * Same-origin only: no CORS.
 */
import { env } from '@/env';
import { getGatewaySession } from '@/lib/auth/session';
import { gateway } from '@/lib/gateway/server';
import { CreateSocketTokenMutation } from '@/lib/graphql/operations';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  const headers = { 'cache-control': 'no-store' };
  if (!(await getGatewaySession())) return Response.json({ error: 'Not signed in.' }, { status: 401, headers });
  const minted = await gateway(CreateSocketTokenMutation, {});
  const token = minted.ok ? minted.data.createSocketToken.token : null;
  if (!token) return Response.json({ error: 'Could not get a live-update token.' }, { status: 502, headers });
  const url = `${env.publicGatewayUrl.replace(/^http/, 'ws')}/graphql`;
  return Response.json({ url, token }, { headers });
}
