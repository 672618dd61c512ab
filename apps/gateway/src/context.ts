/** Per-request context: who is calling, their tenant-scoped database access, and DataLoaders. */
import type { Database, Tx } from '@antidote/db';
import type { JobEventHub, JobQueue } from '@antidote/jobs';
import type { ArtifactStore } from '@antidote/storage';
import type { Logger } from 'pino';
import { type AuthContext, isCredentialActive } from './auth.ts';
import type { CredentialCache } from './credentials.ts';
import type { GatewayEnv } from './env.ts';
import { ApiError } from './errors.ts';
import { createLoaders, type Loaders } from './loaders.ts';

export interface GatewayServices {
  database: Database;
  store: ArtifactStore;
  queue: JobQueue;
  hub: JobEventHub;
  env: GatewayEnv;
  log: Logger;
  /** Authenticated bearers this process holds (HTTP); invalidated on revocation. */
  credentials: CredentialCache;
  /** Base URL for signed links (known once the server listens). */
  publicUrl(): string;
}

export interface GraphQLContext {
  services: GatewayServices;
  auth: AuthContext | null;
  /** The client's address as the socket saw it (sign-in throttling). */
  clientIp: string | undefined;
  loaders: Loaders;
  /** Runs `fn` in a transaction scoped to the caller's tenant (RLS); UNAUTHENTICATED without a caller. */
  tenant<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** The caller, or UNAUTHENTICATED. */
  requireAuth(): AuthContext;
  /** False once the caller's key is revoked or expired, or its session ended (long-lived streams ask). */
  credentialActive(): Promise<boolean>;
  /**
   * From now on every tenant() call of this context runs in one tenant transaction, opened on the
   * first call and ended by release(): for a read-only operation (a GraphQL query), so the page
   * and its loaders cost one BEGIN/COMMIT and read one snapshot.
   */
  shareTenantTransaction(): void;
  /** Ends the shared transaction, once the calls running in it have finished. */
  release(): Promise<void>;
}

/** A counting semaphore: waiters are served in order. */
function semaphore(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    limit,
    async acquire(): Promise<void> {
      if (active < limit) {
        active++;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release(): void {
      const next = waiting.shift();
      if (next) next();
      else active--;
    },
  };
}

/**
 * Shared transactions one process holds at once: each holds a pooled connection for the whole
 * operation, and a resolver inside one may still need a connection of its own (a service-role
 * lookup), so two stay free; at or below two connections (PGlite has one) nothing is shared.
 */
const sharedSlots = new WeakMap<GatewayServices, ReturnType<typeof semaphore>>();
const slotsOf = (services: GatewayServices) => {
  let slots = sharedSlots.get(services);
  if (!slots) {
    slots = semaphore(Math.max(0, services.database.poolSize - 2));
    sharedSlots.set(services, slots);
  }
  return slots;
};

/** The SQLSTATE of a database error, whether drizzle wrapped it or not. */
function sqlState(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** Longest a shared transaction stays open; release() normally ends it within the request. */
const SHARED_TRANSACTION_MAX_MS = 60_000;

interface SharedTransaction {
  tx: Tx;
  /** A statement failed: Postgres refuses the rest of this transaction. */
  broken: boolean;
  /** end() has begun: later calls get a transaction of their own. */
  closed: boolean;
  running: number;
  drained: (() => void) | undefined;
  end(): Promise<void>;
}

export function createContext(services: GatewayServices, auth: AuthContext | null, clientIp?: string): GraphQLContext {
  const requireAuth = () => {
    if (!auth) throw new ApiError('UNAUTHENTICATED', 'Sign in or send an API key (Authorization: Bearer ...).');
    return auth;
  };
  let sharing = false;
  let shared: Promise<SharedTransaction> | undefined;

  const open = async (tenantId: string): Promise<SharedTransaction> => {
    const slots = slotsOf(services);
    await slots.acquire();
    return new Promise<SharedTransaction>((resolve, reject) => {
      let finish!: () => void;
      const finished = new Promise<void>((r) => {
        finish = r;
      });
      const done = services.database
        .withTenant(tenantId, async (tx) => {
          resolve(state(tx));
          await finished;
        })
        .finally(() => slots.release());
      // a failure before the transaction opened (no connection) fails the caller; after, end() reports it
      done.catch(reject);
      const state = (tx: Tx): SharedTransaction => {
        const self: SharedTransaction = {
          tx,
          broken: false,
          closed: false,
          running: 0,
          drained: undefined,
          async end() {
            // a pending timer would keep this request's state alive (and promoted) for its whole minute
            clearTimeout(timer);
            self.closed = true;
            if (self.running > 0) await new Promise<void>((r) => (self.drained = r));
            finish();
            await done;
          },
        };
        // a request that never reached release() (a bug) must not hold its slot and connection forever
        const timer = setTimeout(() => void self.end().catch(() => {}), SHARED_TRANSACTION_MAX_MS);
        timer.unref();
        return self;
      };
    });
  };

  const tenant = async <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
    const { tenantId } = requireAuth();
    if (!sharing || slotsOf(services).limit === 0) return services.database.withTenant(tenantId, fn);
    shared ??= open(tenantId);
    const current = await shared;
    if (current.broken || current.closed) return services.database.withTenant(tenantId, fn);
    current.running++;
    try {
      return await fn(current.tx);
    } catch (error) {
      const state = sqlState(error);
      if (state) {
        const wasBroken = current.broken;
        current.broken = true;
        // another call's failed statement aborted the transaction under this one: reads, so run it again alone
        if (wasBroken && state === '25P02') return services.database.withTenant(tenantId, fn);
      }
      throw error;
    } finally {
      current.running--;
      if (current.running === 0) current.drained?.();
    }
  };
  const release = async () => {
    sharing = false;
    const pending = shared;
    shared = undefined;
    if (pending) await (await pending).end();
  };
  const credentialActive = async () => (auth ? isCredentialActive(services.database, auth) : false);
  return {
    services,
    auth,
    clientIp,
    requireAuth,
    tenant,
    credentialActive,
    loaders: createLoaders(tenant),
    shareTenantTransaction: () => {
      sharing = true;
    },
    release,
  };
}
