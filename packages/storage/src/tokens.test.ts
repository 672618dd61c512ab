import { describe, expect, it } from 'vitest';
import { isStorageError } from './errors.ts';
import { signToken, type TokenClaims, verifyToken } from './tokens.ts';

const SECRET = 'test-secret-of-at-least-32-characters!';
const NOW = Date.UTC(2030, 0, 1);
const claims: TokenClaims = {
  tenantId: 'tenant-a',
  purpose: 'download',
  sha256: 'ab'.repeat(32),
  expiresAt: NOW + 60_000,
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isStorageError(err) ? err.code : `not a StorageError: ${String(err)}`;
  }
  return undefined;
}

describe('signed tokens', () => {
  it('round-trips the claims, and only the known ones', () => {
    const token = signToken(SECRET, claims);
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyToken(SECRET, token, NOW)).toEqual(claims);

    const upload: TokenClaims = {
      tenantId: 't',
      purpose: 'upload',
      uploadId: 'u-1',
      maxBytes: 500 * 1024 * 1024,
      expiresAt: NOW + 1,
    };
    expect(verifyToken(SECRET, signToken(SECRET, { ...upload, extra: 'dropped' } as TokenClaims), NOW)).toEqual(upload);
  });

  it('expires at expiresAt, not after', () => {
    const token = signToken(SECRET, claims);
    expect(verifyToken(SECRET, token, claims.expiresAt - 1)).toEqual(claims);
    expect(codeOf(() => verifyToken(SECRET, token, claims.expiresAt))).toBe('EXPIRED_TOKEN');
    // Without `now`, the wall clock decides: a token that expired in 2030 is still valid today.
    expect(verifyToken(SECRET, token).tenantId).toBe('tenant-a');
    expect(codeOf(() => verifyToken(SECRET, signToken(SECRET, { ...claims, expiresAt: Date.now() - 1 })))).toBe('EXPIRED_TOKEN');
  });

  it('rejects a token whose claims were swapped for others', () => {
    const [version, , signature] = signToken(SECRET, claims).split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, tenantId: 'tenant-b' })).toString('base64url');
    expect(codeOf(() => verifyToken(SECRET, `${version}.${forged}.${signature}`, NOW))).toBe('INVALID_TOKEN');
    const longer = Buffer.from(JSON.stringify({ ...claims, expiresAt: NOW + 1e12 })).toString('base64url');
    expect(codeOf(() => verifyToken(SECRET, `${version}.${longer}.${signature}`, NOW))).toBe('INVALID_TOKEN');
  });

  it('rejects every other spelling of a valid signature', () => {
    const token = signToken(SECRET, claims);
    const last = token.at(-1)!;
    // The last base64url character carries two spare bits: its neighbours can decode to the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const c of alphabet) {
      if (c === last) continue;
      expect(codeOf(() => verifyToken(SECRET, token.slice(0, -1) + c, NOW))).toBe('INVALID_TOKEN');
    }
    expect(codeOf(() => verifyToken(SECRET, `${token}=`, NOW))).toBe('INVALID_TOKEN');
    expect(codeOf(() => verifyToken(SECRET, `${token}A`, NOW))).toBe('INVALID_TOKEN');
  });

  it('rejects a token signed with another secret, and malformed input', () => {
    const token = signToken(SECRET, claims);
    expect(codeOf(() => verifyToken(`${SECRET}x`, token, NOW))).toBe('INVALID_TOKEN');
    for (const bad of ['', 'v1', 'v1..', 'v1.a.b', `v2${token.slice(2)}`, `${token}.x`, token.replace('.', '..')]) {
      expect(codeOf(() => verifyToken(SECRET, bad, NOW))).toBe('INVALID_TOKEN');
    }
    expect(codeOf(() => verifyToken(SECRET, 42 as unknown as string, NOW))).toBe('INVALID_TOKEN');
  });

  it('refuses short secrets and invalid claims when signing', () => {
    expect(codeOf(() => signToken('short', claims))).toBe('INVALID_INPUT');
    expect(codeOf(() => verifyToken('short', 'v1.a.b'))).toBe('INVALID_INPUT');
    const invalid: unknown[] = [
      { ...claims, tenantId: '' },
      { ...claims, purpose: 'admin' },
      { ...claims, sha256: '../etc/passwd' },
      { ...claims, expiresAt: 'tomorrow' },
      { ...claims, expiresAt: 1.5 },
      { ...claims, maxBytes: -1 },
      { ...claims, uploadId: '' },
    ];
    for (const c of invalid) expect(codeOf(() => signToken(SECRET, c as TokenClaims))).toBe('INVALID_INPUT');
  });
});
