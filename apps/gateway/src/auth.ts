/**
 * Who is calling: a dashboard session (bearer `st_...`, tenant chosen per request among the
 * user's memberships) or a CI API key (bearer `ak_...`, bound to one tenant and role). Only
 * sha256 digests of tokens are stored; lookups run as the service role, everything after them
 * under the caller's tenant.
 */
import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { type Database, schema } from '@antidote/db';
import { and, asc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { ApiError } from './errors.ts';
import type { Role } from './generated/resolvers.ts';
import { decodeId } from './ids.ts';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

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

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const [kind, saltText, hashText] = (stored ?? '').split('$');
  // hash anyway when the user is unknown, so timing does not reveal which emails exist
  const salt = saltText ? Buffer.from(saltText, 'base64') : randomBytes(16);
  const expected = hashText ? Buffer.from(hashText, 'base64') : randomBytes(32);
  const actual = await scrypt(password, salt, expected.length || 32);
  return kind === 'scrypt' && actual.length === expected.length && timingSafeEqual(actual, expected);
}

const SESSION_DAYS = 7;

/** A password to check, or the word of the identity provider (verified by `verifyIdToken`). */
export async function createSession(database: Database, email: string, password: string | { verifiedBySso: true }) {
  const [user] = await database.asService((tx) =>
    tx.select().from(schema.users).where(eq(schema.users.email, email.toLowerCase())),
  );
  const ok = typeof password === 'string' ? await verifyPassword(password, user?.passwordHash ?? null) : password.verifiedBySso;
  if (!user || !ok) return null;
  const token = `st_${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(Date.now() + SESSION_DAYS * 86_400_000);
  await database.asService((tx) => tx.insert(schema.sessions).values({ userId: user.id, tokenHash: sha256(token), expiresAt }));
  return { token, expiresAt, user: { id: user.id, email: user.email, name: user.name } };
}

export async function deleteSession(database: Database, sessionId: string): Promise<void> {
  await database.asService((tx) => tx.delete(schema.sessions).where(eq(schema.sessions.id, sessionId)));
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
        and(eq(schema.memberships.userId, schema.sessions.userId), eq(schema.memberships.tenantId, auth.tenantId)),
      )
      .where(and(eq(schema.sessions.id, auth.sessionId), gt(schema.sessions.expiresAt, sql`now()`)));
    return row !== undefined;
  });
}

/** Resolves a bearer token (+ tenant choice for sessions) or throws UNAUTHENTICATED / FORBIDDEN. */
export async function authenticate(database: Database, bearer: string, tenantChoice: string | undefined): Promise<AuthContext> {
  if (bearer.startsWith('ak_')) return authenticateApiKey(database, bearer);
  if (bearer.startsWith('st_')) return authenticateSession(database, bearer, tenantChoice);
  throw new ApiError('UNAUTHENTICATED', 'Unknown credential type: expected a session token or an API key.');
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
  };
}

async function authenticateSession(database: Database, token: string, tenantChoice: string | undefined): Promise<AuthContext> {
  const found = await database.asService(async (tx) => {
    const [session] = await tx
      .select()
      .from(schema.sessions)
      .where(and(eq(schema.sessions.tokenHash, sha256(token)), gt(schema.sessions.expiresAt, sql`now()`)));
    if (!session) return null;
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
  };
}
