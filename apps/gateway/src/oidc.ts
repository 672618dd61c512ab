/**
 * Single sign-on: the dashboard hands over the OIDC id_token it received; the gateway checks it
 * against the issuer's published keys (signature, issuer, audience, expiry, verified email) and
 * maps the email to an existing user. Users are not created here: an admin invites them.
 */
import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';
import { ApiError } from './errors.ts';

export interface OidcConfig {
  issuer: string;
  clientId: string;
}

interface Jwks {
  keys: (JsonWebKey & { kid?: string; alg?: string; use?: string })[];
}

const ALGORITHMS: Record<string, { hash: string; kty: string; pss?: boolean }> = {
  RS256: { hash: 'sha256', kty: 'RSA' },
  RS384: { hash: 'sha384', kty: 'RSA' },
  RS512: { hash: 'sha512', kty: 'RSA' },
  PS256: { hash: 'sha256', kty: 'RSA', pss: true },
  ES256: { hash: 'sha256', kty: 'EC' },
  ES384: { hash: 'sha384', kty: 'EC' },
};

const cache = new Map<string, { jwks: Jwks; at: number }>();
/** An unknown kid may mean a key rotation, or a forger making us fetch: at most once a minute. */
const MIN_REFRESH_MS = 60_000;
/** An id_token is exchanged right after sign-in; an older one is a replay. */
const MAX_TOKEN_AGE_S = 600;

async function issuerKeys(issuer: string, refresh: boolean): Promise<Jwks> {
  const cached = cache.get(issuer);
  const fresh = cached && Date.now() - cached.at < 10 * 60_000;
  if (cached && (refresh ? Date.now() - cached.at < MIN_REFRESH_MS : fresh)) return cached.jwks;
  const discovery = (await (
    await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) })
  ).json()) as {
    jwks_uri?: string;
    issuer?: string;
  };
  if (!discovery.jwks_uri) throw new ApiError('UNAUTHENTICATED', 'The identity provider publishes no keys.');
  const jwks = (await (await fetch(discovery.jwks_uri, { signal: AbortSignal.timeout(5000) })).json()) as Jwks;
  cache.set(issuer, { jwks, at: Date.now() });
  return jwks;
}

function decodePart(part: string | undefined): Record<string, unknown> {
  if (!part) throw new ApiError('UNAUTHENTICATED', 'Malformed id_token.');
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new ApiError('UNAUTHENTICATED', 'Malformed id_token.');
  }
}

/** Returns the verified email of the token's subject. */
export async function verifyIdToken(idToken: string, config: OidcConfig, now = Date.now()): Promise<string> {
  const parts = idToken.split('.');
  if (parts.length !== 3 || idToken.length > 16_384) throw new ApiError('UNAUTHENTICATED', 'Malformed id_token.');
  const header = decodePart(parts[0]);
  const claims = decodePart(parts[1]);
  const algorithm = ALGORITHMS[String(header.alg)];
  if (!algorithm) throw new ApiError('UNAUTHENTICATED', `Unsupported id_token algorithm ${String(header.alg)}.`);
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2] ?? '', 'base64url');
  const check = async (refresh: boolean) => {
    const { keys } = await issuerKeys(config.issuer, refresh);
    const candidates = keys.filter((k) => k.kty === algorithm.kty && (!header.kid || k.kid === header.kid));
    return candidates.some((jwk) => {
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      return verify(
        algorithm.hash,
        signed,
        algorithm.kty === 'EC'
          ? { key, dsaEncoding: 'ieee-p1363' }
          : algorithm.pss
            ? { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */ }
            : key,
        signature,
      );
    });
  };
  // a key rotation shows up as an unknown kid: fetch the keys again once
  if (!(await check(false)) && !(await check(true)))
    throw new ApiError('UNAUTHENTICATED', 'The id_token signature does not verify.');
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== config.issuer) throw new ApiError('UNAUTHENTICATED', 'The id_token comes from another issuer.');
  if (!audience.includes(config.clientId)) throw new ApiError('UNAUTHENTICATED', 'The id_token was issued for another client.');
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < now - 60_000)
    throw new ApiError('UNAUTHENTICATED', 'The id_token has expired.');
  if (typeof claims.iat !== 'number' || claims.iat * 1000 > now + 60_000 || claims.iat * 1000 < now - MAX_TOKEN_AGE_S * 1000)
    throw new ApiError('UNAUTHENTICATED', 'The id_token was not issued just now; sign in again.');
  // OIDC Core 3.1.3.7: azp, when present, must be us; with several audiences it must be present
  if ((claims.azp !== undefined || audience.length > 1) && claims.azp !== config.clientId)
    throw new ApiError('UNAUTHENTICATED', 'The id_token was authorised for another client.');
  if (typeof claims.email !== 'string' || claims.email_verified !== true) {
    throw new ApiError('UNAUTHENTICATED', 'The identity provider did not vouch for an email address.');
  }
  return claims.email.toLowerCase();
}
