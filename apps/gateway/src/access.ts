/**
 * Who may call which root field: the role it needs and, for API keys with scopes, the scope.
 * Applied by wrapping every Query/Mutation/Subscription resolver once when the schema is built,
 * so HTTP and WebSocket share it and a new root field without a rule is refused (fail closed).
 */
import { type AuthContext, type DbRole, hasRole } from './auth.ts';
import type { GraphQLContext } from './context.ts';
import { ApiError } from './errors.ts';

/** The documented API key scopes; a key with no scopes may do whatever its role allows. */
export const API_KEY_SCOPES = {
  read: 'read models, datasets, jobs, findings, monitors and events',
  upload: 'create uploads and register models, versions and datasets',
  scan: 'start scans and evaluations, cancel jobs',
  repair: 'start repairs and sweeps, cancel jobs',
  monitors: 'create, change, delete and test monitors',
  audit: 'read the audit log and verify its chain',
  keys: 'list, create and revoke API keys',
} as const;

export type ApiKeyScope = keyof typeof API_KEY_SCOPES;

export const isApiKeyScope = (value: string): value is ApiKeyScope => Object.hasOwn(API_KEY_SCOPES, value);

interface Rule {
  role: DbRole;
  /** Any one of these scopes admits a scoped key. */
  scopes: ApiKeyScope[];
}

const rule = (role: DbRole, ...scopes: ApiKeyScope[]): Rule => ({ role, scopes });
/** Fields any caller (or no caller) may reach; the resolver does its own checks. */
const OPEN = null;

export const ROOT_RULES: Record<'Query' | 'Mutation' | 'Subscription', Record<string, Rule | null>> = {
  Query: {
    me: OPEN,
    node: rule('viewer', 'read'),
    overview: rule('viewer', 'read'),
    models: rule('viewer', 'read'),
    datasets: rule('viewer', 'read'),
    jobs: rule('viewer', 'read'),
    findings: rule('viewer', 'read'),
    monitors: rule('viewer', 'read'),
    workers: rule('viewer', 'read'),
    apiKeys: rule('admin', 'keys'),
    auditLog: rule('admin', 'audit'),
    verifyAuditChain: rule('admin', 'audit'),
    auditAnchor: rule('admin', 'audit'),
  },
  Mutation: {
    signIn: OPEN,
    signInWithOidc: OPEN,
    signOut: OPEN,
    createSocketToken: rule('viewer', 'read'),
    createUpload: rule('analyst', 'upload'),
    registerModel: rule('analyst', 'upload'),
    addModelVersion: rule('analyst', 'upload'),
    registerDataset: rule('analyst', 'upload'),
    startScan: rule('analyst', 'scan'),
    startEvaluation: rule('analyst', 'scan'),
    startRepair: rule('analyst', 'repair'),
    startSweep: rule('analyst', 'repair'),
    cancelJob: rule('analyst', 'scan', 'repair'),
    createApiKey: rule('admin', 'keys'),
    revokeApiKey: rule('admin', 'keys'),
    createMonitor: rule('analyst', 'monitors'),
    updateMonitor: rule('analyst', 'monitors'),
    deleteMonitor: rule('analyst', 'monitors'),
    testMonitorWebhook: rule('analyst', 'monitors'),
  },
  Subscription: {
    jobProgress: rule('viewer', 'read'),
    tenantEvents: rule('viewer', 'read'),
  },
};

/** Node types that need more than `read`: what node(id) answers null for otherwise. */
const NODE_RULES: Record<string, Rule> = {
  ApiKey: ROOT_RULES.Query.apiKeys as Rule,
  AuditEntry: ROOT_RULES.Query.auditLog as Rule,
};

function allows(auth: AuthContext, needed: Rule): boolean {
  if (!hasRole(auth, needed.role)) return false;
  if (auth.authKind === 'API_KEY' && auth.scopes.length > 0) return needed.scopes.some((s) => auth.scopes.includes(s));
  return true;
}

function check(auth: AuthContext, needed: Rule): void {
  if (!hasRole(auth, needed.role))
    throw new ApiError('FORBIDDEN', `This needs the ${needed.role} role or higher; you are ${auth.role}.`);
  if (!allows(auth, needed))
    throw new ApiError('FORBIDDEN', `This API key lacks the scope for this (one of: ${needed.scopes.join(', ')}).`);
}

/** Payload fields that are non-null lists: a refused mutation answers them empty. */
const EMPTY_PAYLOADS: Record<string, Record<string, unknown>> = {
  addModelVersion: { monitorJobs: [] },
  testMonitorWebhook: { deliveries: [] },
};

type ResolverFn = (parent: unknown, args: unknown, ctx: GraphQLContext, info: unknown) => unknown;
type FieldResolver = ResolverFn | { subscribe: ResolverFn; resolve?: ResolverFn };
type ResolverMap = Record<string, Record<string, unknown>>;

/** The resolver maps with every root field wrapped in its rule; throws on a field without one. */
export function withAccessRules(maps: ResolverMap[]): ResolverMap[] {
  return maps.map((map) => {
    const out: ResolverMap = { ...map };
    for (const root of ['Query', 'Mutation', 'Subscription'] as const) {
      const fields = map[root] as Record<string, FieldResolver> | undefined;
      if (!fields) continue;
      const wrapped: Record<string, FieldResolver> = {};
      for (const [name, resolver] of Object.entries(fields)) {
        if (!(name in ROOT_RULES[root])) throw new Error(`${root}.${name} has no access rule in access.ts`);
        const needed = ROOT_RULES[root][name] ?? null;
        wrapped[name] = needed ? guard(root, name, needed, resolver) : resolver;
      }
      out[root] = wrapped;
    }
    return out;
  });
}

function guard(root: string, name: string, needed: Rule, resolver: FieldResolver): FieldResolver {
  const gate = (ctx: GraphQLContext) => check(ctx.requireAuth(), needed);
  if (typeof resolver !== 'function') {
    return {
      ...resolver,
      subscribe: (parent, args, ctx, info) => {
        gate(ctx);
        return resolver.subscribe(parent, args, ctx, info);
      },
    };
  }
  if (root === 'Mutation') {
    // mutations report refusals in userErrors like every other user-facing failure
    return async (parent, args, ctx, info) => {
      try {
        gate(ctx);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        return { ...EMPTY_PAYLOADS[name], userErrors: [{ code: error.code, message: error.message, field: null }] };
      }
      return resolver(parent, args, ctx, info);
    };
  }
  if (root === 'Query' && name === 'node') {
    return async (parent, args, ctx, info) => {
      gate(ctx);
      const found = (await resolver(parent, args, ctx, info)) as { __typename?: string } | null;
      const typeRule = found?.__typename ? NODE_RULES[found.__typename] : undefined;
      // a node the caller may not read looks like one that does not exist
      return typeRule && !allows(ctx.requireAuth(), typeRule) ? null : found;
    };
  }
  return (parent, args, ctx, info) => {
    gate(ctx);
    return resolver(parent, args, ctx, info);
  };
}

/** Webhook URLs without their path for callers below analyst: the path is often the secret. */
export function visibleWebhookUrl(auth: AuthContext | null, url: string): string {
  if (auth && hasRole(auth, 'analyst')) return url;
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '…';
  }
}
