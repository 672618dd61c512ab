/**
 * The request rules HTTP and graphql-ws share: parse limits, validation rules (depth, aliases,
 * cost, directives; no introspection in production), error masking, and the rate limit key.
 * One module so that a transport cannot silently skip a rule the other enforces.
 */
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  type DocumentNode,
  type GraphQLError,
  type GraphQLFormattedError,
  NoSchemaIntrospectionCustomRule,
  parse,
  type ValidationRule,
} from 'graphql';
import type { Logger } from 'pino';
import { sha256 } from './auth.ts';
import type { GatewayEnv } from './env.ts';
import { toGraphQLError } from './errors.ts';
import { listCostRule } from './list-cost.ts';
import { DEFAULT_PAGE, MAX_PAGE } from './pagination.ts';

export const LIMITS = {
  maxDepth: 10,
  maxAliases: 15,
  maxCost: 5000,
  maxTokens: 2000,
  maxDirectives: 50,
  /** Rows a query may ask for, lists multiplied out (list-cost.ts). */
  maxListCost: 50_000,
  /** Largest graphql-ws message; an operation is a few KiB at most. */
  maxWsMessageBytes: 64 * 1024,
  /** Open WebSockets per client address. */
  maxWsConnectionsPerIp: 20,
} as const;

export function createHardening(env: GatewayEnv, log: Logger) {
  const armor = new ApolloArmor({
    maxDepth: { n: LIMITS.maxDepth },
    maxAliases: { n: LIMITS.maxAliases },
    costLimit: { maxCost: LIMITS.maxCost },
    maxTokens: { n: LIMITS.maxTokens },
    maxDirectives: { n: LIMITS.maxDirectives },
    blockFieldSuggestion: { enabled: env.production },
  }).protect();
  const validationRules: ValidationRule[] = [
    ...(armor.validationRules as ValidationRule[]),
    listCostRule({ maxCost: LIMITS.maxListCost, defaultPage: DEFAULT_PAGE, maxPage: MAX_PAGE, assumedListSize: 50 }),
    ...(env.production ? [NoSchemaIntrospectionCustomRule] : []),
  ];

  /** Known codes pass; anything else (SQL errors, bugs) becomes "Internal error", logged here. */
  function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const code = formatted.extensions?.code;
    if (code && code !== 'INTERNAL_SERVER_ERROR' && code !== 'INTERNAL') {
      const message = env.production ? formatted.message.replace(/ ?Did you mean .+\?/g, '') : formatted.message;
      return {
        message,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code },
      };
    }
    const original = (error as { originalError?: unknown }).originalError ?? error;
    const mapped = toGraphQLError(original);
    if (mapped.extensions.code === 'INTERNAL') log.error({ err: original, path: formatted.path }, 'resolver error');
    return {
      message: mapped.message,
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: mapped.extensions.code },
    };
  }

  return {
    apolloPlugins: armor.plugins,
    validationRules,
    /** Parsing with a token cap, so a huge document costs little before it is refused. */
    parse: (query: string): DocumentNode => parse(query, { maxTokens: LIMITS.maxTokens }),
    formatError,
    /** Validation and parse errors: client mistakes, shown without field suggestions in production. */
    formatClientErrors: (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
      errors.map((e) => formatError({ ...e.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }, e)),
  };
}

export type Hardening = ReturnType<typeof createHardening>;

/**
 * Who a rate limit applies to: the credential when one is sent, else the client address.
 * `bearerSha256` is sha256(bearer) when the caller has it already.
 */
export function rateLimitKey(bearer: string | undefined, remoteAddress: string | undefined, bearerSha256?: string): string {
  return bearer ? `k:${(bearerSha256 ?? sha256(bearer)).slice(0, 32)}` : `ip:${remoteAddress ?? ''}`;
}
