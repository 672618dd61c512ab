/** Per-request context: who is calling, their tenant-scoped database access, and DataLoaders. */
import type { Database, Tx } from '@antidote/db';
import type { JobEventHub, JobQueue } from '@antidote/jobs';
import type { ArtifactStore } from '@antidote/storage';
import type { Logger } from 'pino';
import { type AuthContext, isCredentialActive } from './auth.ts';
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
}

export function createContext(services: GatewayServices, auth: AuthContext | null, clientIp?: string): GraphQLContext {
  const requireAuth = () => {
    if (!auth) throw new ApiError('UNAUTHENTICATED', 'Sign in or send an API key (Authorization: Bearer ...).');
    return auth;
  };
  const tenant = <T>(fn: (tx: Tx) => Promise<T>) => services.database.withTenant(requireAuth().tenantId, fn);
  const credentialActive = async () => (auth ? isCredentialActive(services.database, auth) : false);
  return { services, auth, clientIp, requireAuth, tenant, credentialActive, loaders: createLoaders(tenant) };
}
