/**
 * The only module of the gateway that reads process.env: parsed and validated once, so a bad
 * setting stops the start with a message instead of surfacing as a 500 later.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { databaseEnvShape } from '@antidote/db';
import { storageEnvShape } from '@antidote/storage';
import { z } from 'zod';

const bool = z
  .string()
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/**
 * Refuses the secrets people copy from examples ("change-me-...", repeated characters): a
 * placeholder that passes a length check lets anyone who read the example forge signed links.
 */
export function isRandomLooking(secret: string): boolean {
  if (/change|example|placeholder|secret|replace|your[-_]|xxxx|1234/i.test(secret)) return false;
  return new Set(secret).size >= 12;
}

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** Base URL clients reach this gateway at; signed URLs are built on it. */
  PUBLIC_URL: z.url().optional(),
  ...databaseEnvShape,
  ...storageEnvShape,
  /** HMAC key for signed upload/download URLs; >= 32 random chars; required in production. */
  ANTIDOTE_SIGNING_SECRET: z
    .string()
    .min(32)
    .refine(isRandomLooking, 'looks like a placeholder: generate one with `openssl rand -hex 32`')
    .optional(),
  ANTIDOTE_MAX_UPLOAD_MB: z.coerce.number().positive().max(4096).default(200),
  /** Most bytes an uploaded archive may unpack to while it is inspected. */
  ANTIDOTE_MAX_UNPACKED_MB: z.coerce.number().positive().max(8192).default(512),
  /** Most decoded pixel bytes (RGBA) a dataset upload may need while it is inspected. */
  ANTIDOTE_MAX_DATASET_PIXEL_MB: z.coerce.number().positive().max(8192).default(256),
  /** Lifetime of a socket token (createSocketToken): only the connection's opening needs it. */
  ANTIDOTE_SOCKET_TOKEN_SECONDS: z.coerce.number().int().positive().max(3600).default(60),
  /**
   * Header the reverse proxy in front sets to the client's address (e.g. x-real-ip); without it
   * the socket's peer is the client. Set it behind a proxy, or every client shares one address
   * for rate limits and sign-in throttling. Never set it without a proxy that overwrites it.
   */
  ANTIDOTE_CLIENT_IP_HEADER: z
    .string()
    .regex(/^[a-z0-9-]+$/i)
    .optional(),
  /** How often an open WebSocket re-checks its credential; a revoked one is disconnected. */
  ANTIDOTE_WS_RECHECK_SECONDS: z.coerce.number().positive().max(3600).default(30),
  /**
   * How long an authenticated bearer is reused without a database lookup (HTTP). Revocations
   * through the API reach every gateway at once (LISTEN/NOTIFY); this bounds changes made
   * outside it. 0 turns the cache off.
   */
  ANTIDOTE_AUTH_CACHE_SECONDS: z.coerce.number().min(0).max(300).default(5),
  /** scrypt cost for stored passwords as log2(N) (r=8, p=1); weaker stored hashes are upgraded at sign-in. */
  ANTIDOTE_SCRYPT_LOG2N: z.coerce.number().int().min(14).max(20).default(17),
  /** Key for audit-chain anchors (HMAC); defaults to one derived from the signing secret. */
  ANTIDOTE_AUDIT_ANCHOR_KEY: z.string().min(32).refine(isRandomLooking, 'looks like a placeholder').optional(),
  /** Requests per minute per caller (API key, session or IP). */
  ANTIDOTE_RATE_LIMIT: z.coerce.number().int().positive().default(600),
  /** Comma-separated origins allowed by CORS (the dashboard); local ones by default outside production. */
  ANTIDOTE_CORS_ORIGINS: z.string().optional(),
  /** Allow webhooks to loopback/private addresses (tests, demos on one machine). */
  ANTIDOTE_ALLOW_PRIVATE_WEBHOOKS: bool,
  /** Single sign-on: the dashboard's OIDC provider, whose id_tokens `signInWithOidc` accepts. */
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type GatewayEnv = ReturnType<typeof readGatewayEnv>;

export function readGatewayEnv(source: Readonly<Record<string, string | undefined>> = process.env) {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid gateway environment:\n${lines}`);
  }
  const env = parsed.data;
  if (env.NODE_ENV === 'production' && !env.ANTIDOTE_SIGNING_SECRET) {
    throw new Error('Invalid gateway environment:\n  ANTIDOTE_SIGNING_SECRET: required in production');
  }
  // a per-process secret in development: signed URLs then die with the process, which is fine
  const signingSecret = env.ANTIDOTE_SIGNING_SECRET ?? randomBytes(32).toString('hex');
  return {
    ...env,
    production: env.NODE_ENV === 'production',
    signingSecret,
    auditAnchorKey:
      env.ANTIDOTE_AUDIT_ANCHOR_KEY ?? createHmac('sha256', signingSecret).update('antidote audit anchors').digest('hex'),
    oidc: env.OIDC_ISSUER && env.OIDC_CLIENT_ID ? { issuer: env.OIDC_ISSUER, clientId: env.OIDC_CLIENT_ID } : null,
    passwordPolicy: { log2n: env.ANTIDOTE_SCRYPT_LOG2N },
    maxUploadBytes: Math.round(env.ANTIDOTE_MAX_UPLOAD_MB * 1024 * 1024),
    inspection: {
      limits: {
        maxUnpackedBytes: Math.round(env.ANTIDOTE_MAX_UNPACKED_MB * 1024 * 1024),
        // real weights and images barely compress; 50x is a bomb (sparse files stay below the floor)
        maxRatio: 50,
        ratioFloorBytes: 8 * 1024 * 1024,
        maxPixelBytes: Math.round(env.ANTIDOTE_MAX_DATASET_PIXEL_MB * 1024 * 1024),
        maxImages: 200_000,
      },
      timeoutMs: 60_000,
      heapMb: 512,
    },
    // production allows only origins it is told: a localhost page is anyone's page
    corsOrigins: (
      env.ANTIDOTE_CORS_ORIGINS ?? (env.NODE_ENV === 'production' ? '' : 'http://127.0.0.1:3000,http://localhost:3000')
    )
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

const migrateSchema = z.object({
  /** The owner's connection: it creates and alters the tables (never given to gateways or workers). */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL of the role that owns the tables'),
  /** The login role gateways and workers connect as; it owns nothing. */
  ANTIDOTE_RUNTIME_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('antidote_runtime'),
  /** Its password (set on every run, so rotating it is one more run); unset keeps the current one. */
  ANTIDOTE_RUNTIME_PASSWORD: z.string().min(16).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The one-shot migration step (`migrate.ts`), which runs as the owner before gateways and workers. */
export function readMigrateEnv(source: Readonly<Record<string, string | undefined>> = process.env) {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = migrateSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid migration environment:\n${lines}`);
  }
  return parsed.data;
}
