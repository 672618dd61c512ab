/**
 * Security headers of the dashboard. The static ones go on every response (next.config.ts); the
 * Content-Security-Policy is built per request in proxy.ts, because its script nonce must be new
 * for every page and Next.js reads it from the request to stamp its own scripts.
 */

export const SECURITY_HEADERS: { key: string; value: string }[] = [
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'same-origin' },
  // browsers ignore HSTS over plain http, so local development is unaffected
  { key: 'Strict-Transport-Security', value: 'max-age=63072000; includeSubDomains' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=()' },
];

export interface CspOptions {
  /** Fresh per response, unguessable (128 random bits, base64). */
  nonce: string;
  /** The gateway's public base URL: the browser calls its GraphQL, WebSocket, uploads and links. */
  gatewayUrl: string;
  /** next dev: React evaluates strings to rebuild server stacks and injects unnonced styles; production does neither. */
  development: boolean;
}

export function contentSecurityPolicy({ nonce, gatewayUrl, development }: CspOptions): string {
  const gateway = new URL(gatewayUrl).origin;
  const gatewaySocket = gateway.replace(/^http/, 'ws');
  return [
    "default-src 'self'",
    // 'strict-dynamic': scripts the nonce-bound ones load (Next's chunks) run; host lists and
    // 'self' are then ignored by browsers that know it, and kept for those that do not
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    // next dev injects its CSS as <style> elements without a nonce; production links stylesheets
    development ? "style-src 'self' 'unsafe-inline'" : `style-src 'self' 'nonce-${nonce}'`,
    // style="" attributes cannot carry a nonce; React renders layout values (bar widths, chart
    // swatches) through them. They cannot run script, and url() in them is bound by img-src.
    "style-src-attr 'unsafe-inline'",
    // thumbnails, trigger images and plots are signed links on the gateway
    `img-src 'self' data: blob: ${gateway}`,
    "font-src 'self'",
    `connect-src 'self' ${gateway} ${gatewaySocket}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** 16 random bytes, base64: the nonce-source grammar allows base64 only. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}
