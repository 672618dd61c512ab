/**
 * Attacks on the dashboard (issue 20, hole 10): an open redirect through the sign-in page's
 * callbackUrl, and pages served without CSP (framing) and HSTS.
 */

import { safeCallback } from '@antidote/dashboard/safe-callback';
import { SECURITY_HEADERS } from '@antidote/dashboard/security-headers';
import { describe, expect, it } from 'vitest';

/** Where a browser goes when sent to `target` from the dashboard. */
const landing = (target: string) => new URL(target, 'https://dashboard.example').host;

describe('sign-in callbackUrl', () => {
  it('never leaves the site, however the path is written', () => {
    for (const attack of [
      '/.//evil.com',
      '//evil.com',
      '/\\evil.com',
      '\\\\evil.com',
      'https://evil.com/',
      '/%2F%2Fevil.com',
      '/././/evil.com/x?y=1',
      'javascript:alert(1)',
      '////evil.com',
    ]) {
      const safe = safeCallback(attack);
      expect(landing(safe), attack).toBe('dashboard.example');
      expect(safe.startsWith('/'), attack).toBe(true);
      expect(safe.startsWith('//'), attack).toBe(false);
    }
  });

  it('keeps ordinary paths and their query', () => {
    expect(safeCallback('/models?cursor=abc')).toBe('/models?cursor=abc');
    expect(safeCallback('/signin?callbackUrl=/x')).toBe('/');
  });
});

describe('security headers', () => {
  it('every page forbids framing and asks for HSTS', () => {
    // next.config.ts sends these on source '/:path*'
    const header = (name: string) => SECURITY_HEADERS.find((h) => h.key.toLowerCase() === name.toLowerCase())?.value ?? '';
    expect(header('Content-Security-Policy')).toContain("frame-ancestors 'none'");
    expect(header('Content-Security-Policy')).toContain("object-src 'none'");
    expect(header('Strict-Transport-Security')).toMatch(/max-age=\d{7,}/);
  });
});
