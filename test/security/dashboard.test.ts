/**
 * Attacks on the dashboard (issue 20, hole 10): an open redirect through the sign-in page's
 * callbackUrl, pages served without HSTS or framing protection, and scripts not bound to a
 * per-request nonce (an injected `<script>` would run). The CSP part drives the built dashboard
 * (`next start`) in chromium against a gateway on PGlite.
 */

import { safeCallback } from '@antidote/dashboard/safe-callback';
import { contentSecurityPolicy, SECURITY_HEADERS } from '@antidote/dashboard/security-headers';
import { schema } from '@antidote/db';
import { startTestGateway, type TestGateway } from '@antidote/gateway/testing';
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, launchChromium, type RunningDashboard, startDashboard } from '../browser/next-server.ts';
import { gid, insertModelAndDataset } from './support.ts';

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

/** A CSP header as directive name -> source list. */
function directives(header: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), sources);
  }
  return map;
}

describe('security headers', () => {
  it('every page forbids framing and asks for HSTS', () => {
    // next.config.ts sends these on source '/:path*'; the CSP comes from proxy.ts per request
    const header = (name: string) => SECURITY_HEADERS.find((h) => h.key.toLowerCase() === name.toLowerCase())?.value ?? '';
    expect(header('X-Frame-Options')).toBe('DENY');
    expect(header('Strict-Transport-Security')).toMatch(/max-age=\d{7,}/);
  });

  it('the policy binds scripts to the nonce and lets the browser reach only the gateway', () => {
    const csp = directives(
      contentSecurityPolicy({ nonce: 'abc123', gatewayUrl: 'https://api.example.com:8443/', development: false }),
    );
    expect(csp.get('script-src')).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('connect-src')).toEqual(["'self'", 'https://api.example.com:8443', 'wss://api.example.com:8443']);
    // React's dev build needs eval; production never gets it
    const dev = directives(contentSecurityPolicy({ nonce: 'n', gatewayUrl: 'http://127.0.0.1:4000', development: true }));
    expect(dev.get('script-src')).toContain("'unsafe-eval'");
    expect(dev.get('connect-src')).toEqual(["'self'", 'http://127.0.0.1:4000', 'ws://127.0.0.1:4000']);
  });
});

/**
 * The browser globals the page functions use (this project compiles without the DOM lib). Page
 * functions are sent to chromium as source text, so they name these inline, never a helper.
 */
interface BrowserGlobals {
  __cspViolations: string[];
  __sameDocument?: boolean;
}

describe('strict CSP with per-request nonces (next start + chromium)', { timeout: 600_000 }, () => {
  let gw: TestGateway;
  let dashboard: RunningDashboard | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  const consoleProblems: string[] = [];
  const nonces: string[] = [];
  let owner: Awaited<ReturnType<TestGateway['signUp']>>;

  beforeAll(async () => {
    const port = await freePort();
    gw = await startTestGateway({ backend: 'pglite', env: { ANTIDOTE_CORS_ORIGINS: `http://127.0.0.1:${port}` } });
    const t0 = Date.now();
    dashboard = await startDashboard(gw.url, port);
    browser = await launchChromium();
    console.log(`dashboard and chromium up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    context = await browser.newContext();
    context.setDefaultTimeout(30_000);
    context.setDefaultNavigationTimeout(60_000);
    // registered before any page script runs, by the DevTools protocol (not subject to the CSP)
    await context.addInitScript(
      "window.__cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
    );
    page = await context.newPage();
    // any console error counts: a blocked script shows as a CSP message, a page that broke
    // because of one as an error of its own
    page.on('console', (message) => {
      // the not-found page is itself a 404 document, which chromium logs as a failed load
      const notFoundDocument = /status of 404/.test(message.text()) && message.location().url === page.url();
      if (notFoundDocument) return;
      if (message.type() === 'error' || /Content Security Policy/i.test(message.text()))
        consoleProblems.push(`${page.url()}: ${message.text().slice(0, 400)}`);
    });
    page.on('pageerror', (error) => consoleProblems.push(`${page.url()}: uncaught ${error.message}`));
  }, 600_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await dashboard?.stop();
    await gw?.close();
  });

  /** Checks the response's CSP and that every script the server sent carries its nonce. */
  async function expectNonceBound(response: Response | null, label: string): Promise<string> {
    expect(response, label).not.toBeNull();
    const header = response!.headers()['content-security-policy'] ?? '';
    const csp = directives(header);
    const script = csp.get('script-src') ?? [];
    const nonce = script.find((s) => s.startsWith("'nonce-"))?.slice(7, -1) ?? '';
    expect(nonce, `${label}: script-src nonce in "${header}"`).toMatch(/^[A-Za-z0-9+/=_-]{16,}$/);
    expect(script, label).toContain("'strict-dynamic'");
    expect(script, label).not.toContain("'unsafe-inline'");
    expect(script, label).not.toContain("'unsafe-eval'");
    expect(csp.get('object-src'), label).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors'), label).toEqual(["'none'"]);
    expect(csp.get('base-uri'), label).toEqual(["'self'"]);
    expect(csp.get('form-action'), label).toEqual(["'self'"]);
    expect(csp.get('connect-src'), label).toEqual(["'self'", gw.url, gw.url.replace(/^http/, 'ws')]);
    expect(csp.get('style-src')?.[0], label).toBe("'self'");
    const html = await response!.text();
    const tags = html.match(/<script\b[^>]*>/g) ?? [];
    expect(tags.length, `${label}: scripts in the HTML`).toBeGreaterThan(0);
    for (const tag of tags) expect(tag, `${label}: script without this response's nonce`).toContain(`nonce="${nonce}"`);
    nonces.push(nonce);
    return nonce;
  }

  async function expectNoViolations(label: string) {
    const seen = await page.evaluate(() => (globalThis as unknown as BrowserGlobals).__cspViolations);
    expect(seen, `${label}: securitypolicyviolation events`).toEqual([]);
    expect(consoleProblems.splice(0), `${label}: errors in the console`).toEqual([]);
  }

  it('signed out: /signin has a fresh nonce per request and signing in works under the policy', async () => {
    const first = await expectNonceBound(await page.goto(`${dashboard!.origin}/signin`), '/signin');
    const second = await expectNonceBound(await page.reload(), '/signin again');
    expect(second).not.toBe(first);
    await expectNoViolations('/signin');

    owner = await gw.signUp('csp', 'owner');
    // a protected page still sends a signed-out visitor to the form, and the form (client JS)
    // signs in and comes back: hydration ran under the policy
    await page.goto(`${dashboard!.origin}/models`);
    await page.waitForURL(/\/signin\?callbackUrl=%2Fmodels/);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${dashboard!.origin}/models`);
    await page.getByRole('heading', { level: 1, name: 'Models' }).waitFor();
    await expectNoViolations('sign-in');

    const { modelId, datasetId } = await insertModelAndDataset(gw, owner.tenantId);
    const pages: [string, RegExp][] = [
      ['/', /Overview/],
      ['/models', /Models/],
      ['/datasets', /Datasets/],
      ['/jobs', /Jobs/],
      ['/monitors', /Monitors/],
      ['/api-keys', /API keys/],
      ['/audit', /Audit log/],
      ['/usage', /Plan and usage/],
      [`/models/${gid('Model', modelId)}`, /m-/],
      [`/datasets/${gid('Dataset', datasetId)}`, /d-/],
      ['/no-such-page', /Not found/],
      ['/signin', /Sign in/],
    ];
    for (const [path, heading] of pages) {
      const a = await expectNonceBound(await page.goto(`${dashboard!.origin}${path}`), path);
      await page.getByRole('heading', { level: 1, name: heading }).first().waitFor();
      const b = await expectNonceBound(await page.reload(), `${path} again`);
      expect(b, path).not.toBe(a);
      await page.getByRole('heading', { level: 1, name: heading }).first().waitFor();
      await expectNoViolations(path);
    }

    // client-side navigation (the router's scripts, loaded through 'strict-dynamic') keeps the document
    await page.goto(`${dashboard!.origin}/`);
    await page.evaluate(() => {
      (globalThis as unknown as BrowserGlobals).__sameDocument = true;
    });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
    await page.waitForURL(`${dashboard!.origin}/jobs`);
    await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).__sameDocument)).toBe(true);
    await expectNoViolations('client navigation');

    expect(new Set(nonces).size, 'every response its own nonce').toBe(nonces.length);
    console.log(`CSP checked on ${nonces.length} responses, ${pages.length + 1} distinct pages`);
  });

  it('shows the plan, its quotas and what the tenant uses of them', async () => {
    // signed in by the test above; a free tenant with two queued jobs and a monitor
    await gw.database.asService((tx) =>
      tx.update(schema.tenants).set({ plan: 'free' }).where(eq(schema.tenants.id, owner.tenantId)),
    );
    const { modelId, datasetId } = await insertModelAndDataset(gw, owner.tenantId);
    for (const key of ['u-1', 'u-2']) {
      const sweep = await gw.gql<{ startSweep: { job: { id: string } | null } }>(
        owner.token,
        'mutation($i: StartSweepInput!) { startSweep(input: $i) { job { id } } }',
        { i: { attack: 'badnets', poisonCounts: [10], idempotencyKey: key } },
      );
      expect(sweep.data?.startSweep.job?.id, JSON.stringify(sweep.errors)).toBeTruthy();
    }
    const monitor = await gw.gql<{ createMonitor: { monitor: { id: string } | null } }>(
      owner.token,
      'mutation($i: CreateMonitorInput!) { createMonitor(input: $i) { monitor { id } } }',
      { i: { name: 'nightly', modelId: gid('Model', modelId), datasetId: gid('Dataset', datasetId), intervalMinutes: 60 } },
    );
    expect(monitor.data?.createMonitor.monitor?.id, JSON.stringify(monitor.errors)).toBeTruthy();

    await page.goto(`${dashboard!.origin}/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Plan and usage' }).click();
    await page.waitForURL(`${dashboard!.origin}/usage`);
    await page.getByRole('heading', { level: 1, name: 'Plan and usage' }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain('Free plan');
    const meter = (name: string) => page.getByRole('meter', { name }).getAttribute('aria-valuetext');
    expect(await meter('Jobs queued or running')).toBe('2 of 10');
    expect(await meter('Jobs running at once')).toBe('0 of 1');
    expect(await meter('Monitors')).toBe('1 of 3');
    expect(await meter('Stored data')).toMatch(/^0 B of 100\.0 MB$|^0 B of 100 MB$/);
    const limits = (await page.getByRole('region', { name: 'Per request' }).textContent()) ?? '';
    expect(limits).toMatch(/Models per sweep.*10/);
    expect(limits).toMatch(/Epochs per sweep model\s*5/);
    expect(limits).toMatch(/re-scan interval\s*60 min/);
    await expectNoViolations('/usage');
  });
});
