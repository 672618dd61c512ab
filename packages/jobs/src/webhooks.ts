/**
 * Outgoing webhooks: HMAC-SHA256 signed bodies sent through the egress module (public addresses
 * only, pinned to the address that was checked, no redirects, a short deadline).
 */
import { createHmac } from 'node:crypto';
import { EgressRefusedError, parseEgressUrl, postToPublicUrl, type Resolver } from './egress.ts';

export interface WebhookResult {
  url: string;
  status: 'delivered' | 'failed' | 'blocked';
  responseCode: number | null;
  /** For our own records (worker's delivery log); never shown to the tenant verbatim. */
  error: string | null;
}

/** Most webhooks a monitor may call; each alert fans out to all of them. */
export const MAX_WEBHOOKS_PER_MONITOR = 5;

export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Throws with a reason when the URL must not be called (no network access). */
export async function assertWebhookTarget(url: string, allowPrivate: boolean): Promise<URL> {
  return parseEgressUrl(url, allowPrivate);
}

export async function deliverWebhook(options: {
  url: string;
  secret: string;
  event: string;
  payload: Record<string, unknown>;
  allowPrivate: boolean;
  timeoutMs?: number;
  resolve?: Resolver;
}): Promise<WebhookResult> {
  const body = JSON.stringify({ event: options.event, ...options.payload });
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const response = await postToPublicUrl(options.url, body, {
      allowPrivate: options.allowPrivate,
      timeoutMs: options.timeoutMs ?? 5000,
      ...(options.resolve ? { resolve: options.resolve } : {}),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Antidote-Webhooks/1',
        'x-antidote-event': options.event,
        'x-antidote-signature': signWebhookBody(options.secret, timestamp, body),
      },
    });
    const ok = response.status >= 200 && response.status < 300;
    return {
      url: options.url,
      status: ok ? 'delivered' : 'failed',
      responseCode: response.status,
      error: ok ? null : `HTTP ${response.status}`,
    };
  } catch (error) {
    if (error instanceof EgressRefusedError)
      return { url: options.url, status: 'blocked', responseCode: null, error: error.message };
    return { url: options.url, status: 'failed', responseCode: null, error: (error as Error).message };
  }
}
