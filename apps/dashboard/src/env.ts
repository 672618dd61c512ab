/**
 * The only module of the dashboard that reads process.env: parsed and validated once per server
 * process, so a bad setting stops the start with a message instead of failing a request later.
 * Everything here is read at run time on the server (nothing is inlined into browser bundles):
 * the browser learns the public gateway URL from the server, so one build runs anywhere.
 */
import 'server-only';
import { z } from 'zod';

const DEV_SECRET = 'antidote-dashboard-development-secret-do-not-use-in-production';

const url = z.url({ protocol: /^https?$/ }).transform((v) => v.replace(/\/+$/, ''));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Set by `next build` while it compiles and prerenders: secrets are not needed then. */
  NEXT_PHASE: z.string().optional(),
  /** Port `npm start` / `npm run dev` listen on (the scripts read it too). */
  DASHBOARD_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Base URL the dashboard's server reaches the gateway at (GraphQL is `${GATEWAY_URL}/graphql`). */
  GATEWAY_URL: url.default('http://127.0.0.1:4000'),
  /** Base URL the browser reaches the gateway at (graphql-ws, uploads); defaults to GATEWAY_URL. */
  NEXT_PUBLIC_GATEWAY_URL: url.optional(),
  /** Canonical URL of the dashboard (next-auth callbacks); defaults to http://localhost:DASHBOARD_PORT. */
  NEXTAUTH_URL: url.optional(),
  /** Key that signs and encrypts the session cookie; required in production. */
  NEXTAUTH_SECRET: z.string().min(32, 'use at least 32 characters').optional(),
  /** Optional single sign-on: all three enable the OIDC provider. */
  OIDC_ISSUER: url.optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** Label of the single sign-on button. */
  OIDC_NAME: z.string().min(1).default('Single sign-on'),
});

export type DashboardEnv = ReturnType<typeof readDashboardEnv>;

export function readDashboardEnv(source: Readonly<Record<string, string | undefined>>) {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid dashboard environment:\n${lines}`);
  }
  const env = parsed.data;
  const building = env.NEXT_PHASE === 'phase-production-build';
  const production = env.NODE_ENV === 'production';
  if (production && !building && !env.NEXTAUTH_SECRET) {
    throw new Error('Invalid dashboard environment:\n  NEXTAUTH_SECRET: required in production (32+ random characters)');
  }
  const oidcParts = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET];
  const oidcCount = oidcParts.filter(Boolean).length;
  if (oidcCount > 0 && oidcCount < 3) {
    throw new Error(
      'Invalid dashboard environment:\n  OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: set all three to enable single sign-on, or none',
    );
  }
  return {
    production,
    /** `next dev`: React needs eval there (CSP). */
    development: env.NODE_ENV === 'development',
    gatewayGraphqlUrl: `${env.GATEWAY_URL}/graphql`,
    /** What the browser uses: the graphql-ws endpoint is derived from it. */
    publicGatewayUrl: env.NEXT_PUBLIC_GATEWAY_URL ?? env.GATEWAY_URL,
    nextAuthUrl: env.NEXTAUTH_URL ?? `http://localhost:${env.DASHBOARD_PORT}`,
    nextAuthSecret: env.NEXTAUTH_SECRET ?? DEV_SECRET,
    oidc:
      env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET
        ? { issuer: env.OIDC_ISSUER, clientId: env.OIDC_CLIENT_ID, clientSecret: env.OIDC_CLIENT_SECRET, name: env.OIDC_NAME }
        : null,
  };
}

export const env = readDashboardEnv(process.env);

// next-auth reads NEXTAUTH_URL from the environment itself (callback URLs, secure cookies); give
// it the validated value so it never falls back to guessing from request headers.
process.env.NEXTAUTH_URL = env.nextAuthUrl;
