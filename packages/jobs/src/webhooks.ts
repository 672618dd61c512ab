/**
 * Outgoing webhooks: HMAC-SHA256 signed bodies, a short timeout, and no requests to loopback,
 * private, link-local or metadata addresses unless explicitly allowed (a tenant must not be able
 * to make our servers probe our own network).
 */
import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface WebhookResult {
  url: string;
  status: 'delivered' | 'failed' | 'blocked';
  responseCode: number | null;
  error: string | null;
}

export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) {
    const [a = 0, b = 0] = address.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  const v6 = address.toLowerCase();
  if (v6.startsWith('::ffff:')) return isPrivateAddress(v6.slice(7));
  return v6 === '::1' || v6 === '::' || v6.startsWith('fc') || v6.startsWith('fd') || v6.startsWith('fe80');
}

/** Throws with a reason when the URL must not be called. */
export async function assertWebhookTarget(url: string, allowPrivate: boolean): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('only http(s) URLs are allowed');
  if (parsed.username || parsed.password) throw new Error('credentials in the URL are not allowed');
  if (!allowPrivate) {
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
    if (addresses.length === 0 || addresses.some(isPrivateAddress)) throw new Error('private or loopback address');
  }
  return parsed;
}

export async function deliverWebhook(options: {
  url: string;
  secret: string;
  event: string;
  payload: Record<string, unknown>;
  allowPrivate: boolean;
  timeoutMs?: number;
}): Promise<WebhookResult> {
  try {
    await assertWebhookTarget(options.url, options.allowPrivate);
  } catch (error) {
    return { url: options.url, status: 'blocked', responseCode: null, error: (error as Error).message };
  }
  const body = JSON.stringify({ event: options.event, ...options.payload });
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Antidote-Webhooks/1',
        'x-antidote-event': options.event,
        'x-antidote-signature': signWebhookBody(options.secret, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    await response.body?.cancel();
    const ok = response.status >= 200 && response.status < 300;
    return {
      url: options.url,
      status: ok ? 'delivered' : 'failed',
      responseCode: response.status,
      error: ok ? null : `HTTP ${response.status}`,
    };
  } catch (error) {
    return { url: options.url, status: 'failed', responseCode: null, error: (error as Error).message };
  }
}
