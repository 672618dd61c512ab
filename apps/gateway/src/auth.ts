/**
 * Who is calling: a dashboard session (bearer `st_...`, tenant chosen per request among the
 * user's memberships) or a CI API key (bearer `ak_...`, bound to one tenant and role). Only
 * sha256 digests of tokens are stored; lookups run as the service role, everything after them
 * under the caller's tenant.
 */
import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { type Database, schema } from '@antidote/db';
import { signToken, verifyToken } from '@antidote/storage';
import { and, asc, eq, gt, isNull, or, type SQL, sql } from 'drizzle-orm';
import { announceCredentialEnded } from './credentials.ts';
import { ApiError } from './errors.ts';
import type { Role } from './generated/resolvers.ts';
import { decodeId } from './ids.ts';

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

export type DbRole = 'owner' | 'admin' | 'analyst' | 'viewer';
const RANK: Record<DbRole, number> = { viewer: 0, analyst: 1, admin: 2, owner: 3 };

export interface AuthContext {
  tenantId: string;
  role: DbRole;
  authKind: 'SESSION' | 'API_KEY';
  /** Audit actor: `user:<id>` or `apikey:<id>`. */
  actor: string;
  userId: string | null;
  apiKeyId: string | null;
  sessionId: string | null;
  scopes: string[];
  /** When the credential ends by itself (key expiry, session expiry or idle limit): caches stop there. */
  credentialExpiresAt?: Date | null;
}

export function hasRole(auth: AuthContext, needed: DbRole): boolean {
  return RANK[auth.role] >= RANK[needed];
}

export function requireRole(auth: AuthContext, needed: DbRole): void {
  if (!hasRole(auth, needed)) throw new ApiError('FORBIDDEN', `This needs the ${needed} role or higher; you are ${auth.role}.`);
}

export const toApiRole = (role: DbRole): Role => role.toUpperCase() as Role;
export const fromApiRole = (role: Role): DbRole => role.toLowerCase() as DbRole;

export const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

/** scrypt cost: OWASP's current recommendation is N=2^17, r=8, p=1. */
export interface PasswordPolicy {
  log2n: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { log2n: 17 };

interface ScryptParams {
  log2n: number;
  r: number;
  p: number;
}

const scryptWith = (password: string, salt: Buffer, length: number, params: ScryptParams) =>
  scrypt(password, salt, length, {
    N: 2 ** params.log2n,
    r: params.r,
    p: params.p,
    // scrypt needs 128 * N * r bytes; Node's default cap (32 MiB) stops at N=2^14
    maxmem: 256 * 2 ** params.log2n * params.r + 1024 * 1024,
  });

/** `scrypt$ln=17,r=8,p=1$salt$hash`: the parameters travel with the hash, so they can be raised later. */
export async function hashPassword(password: string, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): Promise<string> {
  const params = { log2n: policy.log2n, r: 8, p: 1 };
  const salt = randomBytes(16);
  const hash = await scryptWith(password, salt, 32, params);
  return `scrypt$ln=${params.log2n},r=${params.r},p=${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function parseStoredHash(stored: string | null): { params: ScryptParams; salt: Buffer; hash: Buffer } | null {
  const parts = (stored ?? '').split('$');
  if (parts[0] !== 'scrypt') return null;
  // hashes written before the parameters were stored used N=2^14, r=8, p=1
  if (parts.length === 3) {
    return {
      params: { log2n: 14, r: 8, p: 1 },
      salt: Buffer.from(parts[1] ?? '', 'base64'),
      hash: Buffer.from(parts[2] ?? '', 'base64'),
    };
  }
  const match = /^ln=(\d+),r=(\d+),p=(\d+)$/.exec(parts[1] ?? '');
  if (parts.length !== 4 || !match) return null;
  const params = { log2n: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  if (params.log2n < 10 || params.log2n > 20 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return null;
  return { params, salt: Buffer.from(parts[2] ?? '', 'base64'), hash: Buffer.from(parts[3] ?? '', 'base64') };
}

/** Checks a password; `rehash` is true when the stored hash is weaker than the policy asks. */
export async function checkPassword(
  password: string,
  stored: string | null,
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
): Promise<{ ok: boolean; rehash: boolean }> {
  const parsed = parseStoredHash(stored);
  // hash anyway when the user is unknown, so timing does not reveal which emails exist
  const params = parsed?.params ?? { log2n: policy.log2n, r: 8, p: 1 };
  const salt = parsed?.salt ?? randomBytes(16);
  const expected = parsed?.hash.length ? parsed.hash : randomBytes(32);
  const actual = await scryptWith(password, salt, expected.length, params);
  const ok = parsed !== null && actual.length === expected.length && timingSafeEqual(actual, expected);
  return { ok, rehash: ok && params.log2n < policy.log2n };
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  return (await checkPassword(password, stored)).ok;
}

const SESSION_DAYS = 7;
/** A session unused this long ends, whatever its expiry says. */
export const SESSION_IDLE_HOURS = 12;

/** A password to check, or the word of the identity provider (verified by `verifyIdToken`). */
export async function createSession(
  database: Database,
  email: string,
  password: string | { verifiedBySso: true },
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
) {
  const [user] = await database.asService((tx) =>
    tx.select().from(schema.users).where(eq(schema.users.email, email.toLowerCase())),
  );
  const checked =
    typeof password === 'string'
      ? await checkPassword(password, user?.passwordHash ?? null, policy)
      : { ok: password.verifiedBySso, rehash: false };
  if (!user || !checked.ok) return null;
  if (checked.rehash && typeof password === 'string') {
    const upgraded = await hashPassword(password, policy);
    await database.asService((tx) => tx.update(schema.users).set({ passwordHash: upgraded }).where(eq(schema.users.id, user.id)));
  }
  const token = `st_${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(Date.now() + SESSION_DAYS * 86_400_000);
  await database.asService((tx) => tx.insert(schema.sessions).values({ userId: user.id, tokenHash: sha256(token), expiresAt }));
  return { token, expiresAt, user: { id: user.id, email: user.email, name: user.name } };
}

export async function deleteSession(database: Database, sessionId: string): Promise<void> {
  await database.asService(async (tx) => {
    await tx.delete(schema.sessions).where(eq(schema.sessions.id, sessionId));
    await announceCredentialEnded(tx, { sessionId });
  });
}

export function newApiKeySecret(): { secret: string; prefix: string; hash: string } {
  const prefix = `ak_${randomBytes(4).toString('hex')}`;
  const secret = `${prefix}_${randomBytes(24).toString('base64url')}`;
  return { secret, prefix, hash: sha256(secret) };
}

/** Whether the credential behind `auth` still holds (not revoked, expired or signed out; still a member). */
export async function isCredentialActive(database: Database, auth: AuthContext): Promise<boolean> {
  return database.asService(async (tx) => {
    if (auth.apiKeyId) {
      const [key] = await tx
        .select({ id: schema.apiKeys.id })
        .from(schema.apiKeys)
        .where(
          and(
            eq(schema.apiKeys.id, auth.apiKeyId),
            isNull(schema.apiKeys.revokedAt),
            or(isNull(schema.apiKeys.expiresAt), gt(schema.apiKeys.expiresAt, sql`now()`)),
          ),
        );
      return key !== undefined;
    }
    if (!auth.sessionId || !auth.userId) return false;
    const [row] = await tx
      .select({ id: schema.sessions.id })
      .from(schema.sessions)
      .innerJoin(
        schema.memberships,
        and(
          eq(schema.memberships.userId, schema.sessions.userId),
          eq(schema.memberships.tenantId, auth.tenantId),
          // a changed role ends the connection too: it reconnects with the new one
          eq(schema.memberships.role, auth.role),
        ),
      )
      .where(
        and(
          eq(schema.sessions.id, auth.sessionId),
          gt(schema.sessions.expiresAt, sql`now()`),
          gt(schema.sessions.lastSeenAt, sql`now() - make_interval(hours => ${SESSION_IDLE_HOURS})`),
        ),
      );
    return row !== undefined;
  });
}

/** Resolves a bearer token (+ tenant choice for sessions) or throws UNAUTHENTICATED / FORBIDDEN. */
export async function authenticate(
  database: Database,
  bearer: string,
  tenantChoice: string | undefined,
  /** Only the WebSocket passes its signing secret: socket tokens are good for nothing else. */
  socket?: { secret: string },
): Promise<AuthContext> {
  if (bearer.startsWith('ak_')) return authenticateApiKey(database, bearer);
  if (bearer.startsWith('st_')) return authenticateSession(database, eq(schema.sessions.tokenHash, sha256(bearer)), tenantChoice);
  if (bearer.startsWith(SOCKET_TOKEN_PREFIX) && socket) return authenticateSocketToken(database, socket.secret, bearer);
  throw new ApiError('UNAUTHENTICATED', 'Unknown credential type: expected a session token or an API key.');
}

const SOCKET_TOKEN_PREFIX = 'wt_';

/**
 * A credential for one graphql-ws connection, for page JavaScript instead of the session token:
 * bound to this session and tenant, good only on the WebSocket and only for `ttlMs`.
 */
export function issueSocketToken(secret: string, auth: AuthContext, ttlMs: number): { token: string; expiresAt: Date } {
  if (!auth.sessionId) throw new ApiError('FORBIDDEN', 'Socket tokens are for dashboard sessions; API keys connect directly.');
  const expiresAt = Date.now() + ttlMs;
  const token = signToken(secret, { tenantId: auth.tenantId, purpose: 'socket', sessionId: auth.sessionId, expiresAt });
  return { token: `${SOCKET_TOKEN_PREFIX}${token}`, expiresAt: new Date(expiresAt) };
}

async function authenticateSocketToken(database: Database, secret: string, bearer: string): Promise<AuthContext> {
  let claims: ReturnType<typeof verifyToken>;
  try {
    claims = verifyToken(secret, bearer.slice(SOCKET_TOKEN_PREFIX.length));
  } catch {
    throw new ApiError('UNAUTHENTICATED', 'Socket token invalid or expired: ask for a new one.');
  }
  if (claims.purpose !== 'socket' || !claims.sessionId) throw new ApiError('UNAUTHENTICATED', 'Not a socket token.');
  // the session behind it must still be alive, and still a member of the tenant it names
  return authenticateSession(database, eq(schema.sessions.id, claims.sessionId), claims.tenantId);
}

async function authenticateApiKey(database: Database, secret: string): Promise<AuthContext> {
  const key = await database.asService(async (tx) => {
    const [row] = await tx
      .select()
      .from(schema.apiKeys)
      .where(
        and(
          eq(schema.apiKeys.keyHash, sha256(secret)),
          isNull(schema.apiKeys.revokedAt),
          or(isNull(schema.apiKeys.expiresAt), gt(schema.apiKeys.expiresAt, sql`now()`)),
        ),
      );
    // last-used is advisory: at most one write a minute per key keeps hot CI loops cheap
    if (row && (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000)) {
      await tx.update(schema.apiKeys).set({ lastUsedAt: sql`now()` }).where(eq(schema.apiKeys.id, row.id));
    }
    return row;
  });
  if (!key) throw new ApiError('UNAUTHENTICATED', 'API key not valid (unknown, revoked or expired).');
  return {
    tenantId: key.tenantId,
    role: key.role,
    authKind: 'API_KEY',
    actor: `apikey:${key.id}`,
    userId: null,
    apiKeyId: key.id,
    sessionId: null,
    scopes: key.scopes,
    credentialExpiresAt: key.expiresAt,
  };
}

async function authenticateSession(
  database: Database,
  which: SQL | undefined,
  tenantChoice: string | undefined,
): Promise<AuthContext> {
  const found = await database.asService(async (tx) => {
    const [session] = await tx
      .select()
      .from(schema.sessions)
      .where(
        and(
          which,
          gt(schema.sessions.expiresAt, sql`now()`),
          gt(schema.sessions.lastSeenAt, sql`now() - make_interval(hours => ${SESSION_IDLE_HOURS})`),
        ),
      );
    if (!session) return null;
    // last-seen is advanced at most once a minute
    if (Date.now() - session.lastSeenAt.getTime() > 60_000) {
      await tx.update(schema.sessions).set({ lastSeenAt: sql`now()` }).where(eq(schema.sessions.id, session.id));
    }
    const memberships = await tx
      .select({ tenantId: schema.memberships.tenantId, role: schema.memberships.role, slug: schema.tenants.slug })
      .from(schema.memberships)
      .innerJoin(schema.tenants, eq(schema.tenants.id, schema.memberships.tenantId))
      .where(eq(schema.memberships.userId, session.userId))
      .orderBy(asc(schema.memberships.createdAt));
    return { session, memberships };
  });
  if (!found) throw new ApiError('UNAUTHENTICATED', 'Session expired or unknown: sign in again.');
  // the header may carry the tenant's slug, its uuid, or its global ID from the API
  const chosenId = tenantChoice ? (decodeId(tenantChoice, 'Tenant') ?? tenantChoice) : undefined;
  const membership = tenantChoice
    ? found.memberships.find((m) => m.tenantId === chosenId || m.slug === tenantChoice)
    : found.memberships[0];
  if (!membership)
    throw new ApiError('FORBIDDEN', tenantChoice ? 'You are not a member of that tenant.' : 'You belong to no tenant.');
  return {
    tenantId: membership.tenantId,
    role: membership.role,
    authKind: 'SESSION',
    actor: `user:${found.session.userId}`,
    userId: found.session.userId,
    apiKeyId: null,
    sessionId: found.session.id,
    scopes: [],
    credentialExpiresAt: new Date(
      Math.min(found.session.expiresAt.getTime(), found.session.lastSeenAt.getTime() + SESSION_IDLE_HOURS * 3_600_000),
    ),
  };
}
