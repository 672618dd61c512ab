import { createHmac, timingSafeEqual } from 'node:crypto';
import { isSha256 } from './digest.ts';
import { StorageError } from './errors.ts';

/**
 * What a signed URL lets its holder do. The gateway checks tenantId and purpose against the route
 * before honouring a token; the signature only proves the gateway issued these exact claims.
 */
export interface TokenClaims {
  tenantId: string;
  /** `socket`: a short-lived credential for one graphql-ws connection of a dashboard session. */
  purpose: 'upload' | 'download' | 'socket';
  /** The content a download token opens. */
  sha256?: string;
  /** The upload session an upload token belongs to. */
  uploadId?: string;
  /** The size cap an upload token grants. */
  maxBytes?: number;
  /** The session a socket token speaks for. */
  sessionId?: string;
  /** Milliseconds since the epoch, like Date.now(). */
  expiresAt: number;
}

const VERSION = 'v1';
/** A shorter HMAC key is guessable offline from any token it signed. */
const MIN_SECRET_LENGTH = 32;

function checkSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new StorageError('INVALID_INPUT', `The token secret must have at least ${MIN_SECRET_LENGTH} characters.`);
  }
}

/** The claims in canonical order, or a description of what is wrong with them. */
function canonicalClaims(value: unknown): TokenClaims | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'claims must be an object';
  const c = value as Record<string, unknown>;
  if (typeof c.tenantId !== 'string' || c.tenantId.length === 0) return 'tenantId must be a non-empty string';
  if (c.purpose !== 'upload' && c.purpose !== 'download' && c.purpose !== 'socket')
    return 'purpose must be "upload", "download" or "socket"';
  if (typeof c.expiresAt !== 'number' || !Number.isSafeInteger(c.expiresAt)) return 'expiresAt must be integer ms since epoch';
  if (c.sha256 !== undefined && !isSha256(c.sha256)) return 'sha256 must be 64 lowercase hex characters';
  if (c.uploadId !== undefined && (typeof c.uploadId !== 'string' || c.uploadId.length === 0)) {
    return 'uploadId must be a non-empty string';
  }
  if (c.sessionId !== undefined && (typeof c.sessionId !== 'string' || c.sessionId.length === 0)) {
    return 'sessionId must be a non-empty string';
  }
  if (c.maxBytes !== undefined && !(typeof c.maxBytes === 'number' && Number.isSafeInteger(c.maxBytes) && c.maxBytes >= 0)) {
    return 'maxBytes must be a non-negative integer';
  }
  const claims: TokenClaims = { tenantId: c.tenantId, purpose: c.purpose, expiresAt: c.expiresAt };
  if (c.sha256 !== undefined) claims.sha256 = c.sha256;
  if (c.uploadId !== undefined) claims.uploadId = c.uploadId;
  if (c.maxBytes !== undefined) claims.maxBytes = c.maxBytes;
  if (c.sessionId !== undefined) claims.sessionId = c.sessionId;
  return claims;
}

function mac(secret: string, signedPart: string): Buffer {
  return createHmac('sha256', secret).update(signedPart).digest();
}

/** `v1.<base64url claims>.<base64url HMAC-SHA256>`: URL-safe, so it fits in a query string as is. */
export function signToken(secret: string, claims: TokenClaims): string {
  checkSecret(secret);
  const canonical = canonicalClaims(claims);
  if (typeof canonical === 'string') {
    throw new StorageError('INVALID_INPUT', `Cannot sign these claims: ${canonical}.`);
  }
  const signedPart = `${VERSION}.${Buffer.from(JSON.stringify(canonical)).toString('base64url')}`;
  return `${signedPart}.${mac(secret, signedPart).toString('base64url')}`;
}

/**
 * The claims of a token this secret signed, if it has not expired at `now` (ms since the epoch).
 * Throws INVALID_TOKEN for anything malformed or tampered with, EXPIRED_TOKEN once `now` reaches
 * expiresAt. The signature is checked before the payload is parsed, so unsigned input never
 * reaches JSON.parse.
 */
export function verifyToken(secret: string, token: string, now: number = Date.now()): TokenClaims {
  checkSecret(secret);
  const invalid = (why: string) => new StorageError('INVALID_TOKEN', `The token is invalid: ${why}.`);
  if (typeof token !== 'string') throw invalid('not a string');
  const parts = token.split('.');
  const [version, payload, signature] = parts;
  if (parts.length !== 3 || version !== VERSION || !payload || !signature) throw invalid('not a v1 token');
  // Compare the encoded text, not decoded bytes: base64 decoding ignores stray characters and
  // spare bits, which would let many spellings of one signature pass. timingSafeEqual needs equal
  // lengths; the length of a valid signature is public anyway.
  const expected = Buffer.from(mac(secret, `${version}.${payload}`).toString('base64url'));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('bad signature');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid('unreadable claims');
  }
  const claims = canonicalClaims(decoded);
  if (typeof claims === 'string') throw invalid(claims);
  if (now >= claims.expiresAt) {
    throw new StorageError('EXPIRED_TOKEN', 'The token has expired.', { details: { expiresAt: claims.expiresAt } });
  }
  return claims;
}
