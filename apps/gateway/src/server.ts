/**
 * The gateway: one HTTP server carrying GraphQL (Apollo Server 5 over express 5), graphql-ws
 * subscriptions on the same path, and the signed upload/download routes.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { makeExecutableSchema } from '@graphql-tools/schema';
import express from 'express';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { type AuthContext, authenticate, sha256 } from './auth.ts';
import { createContext, type GatewayServices, type GraphQLContext } from './context.ts';
import { ApiError, httpStatus, toGraphQLError } from './errors.ts';
import { mountHttpRoutes } from './http.ts';
import { createRateLimiter } from './rate-limit.ts';
import { mutationResolvers } from './resolvers/mutations.ts';
import { queryResolvers } from './resolvers/queries.ts';
import { subscriptionResolvers } from './resolvers/subscriptions.ts';
import { typeResolvers } from './resolvers/types.ts';

const typeDefs = readFileSync(new URL('./schema/schema.graphql', import.meta.url), 'utf8');

export function buildSchema() {
  return makeExecutableSchema({
    typeDefs,
    resolvers: [typeResolvers, queryResolvers, mutationResolvers, subscriptionResolvers] as never,
  });
}

function bearerOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}

async function authFrom(services: GatewayServices, authorization: unknown, tenant: unknown): Promise<AuthContext | null> {
  const bearer = bearerOf(authorization);
  if (!bearer) return null;
  try {
    return await authenticate(services.database, bearer, typeof tenant === 'string' && tenant ? tenant : undefined);
  } catch (error) {
    if (error instanceof ApiError) {
      throw new GraphQLError(error.message, { extensions: { code: error.code, http: { status: httpStatus(error.code) } } });
    }
    throw error;
  }
}

export interface Gateway {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startGateway(services: GatewayServices, listen: { host: string; port: number }): Promise<Gateway> {
  const schema = buildSchema();
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const { env, log } = services;

  const wsServer = new WebSocketServer({ server, path: '/graphql' });
  const wsCleanup = useServer<Record<string, unknown>>(
    {
      schema,
      onConnect: async (ctx) => {
        try {
          return (await authFrom(services, ctx.connectionParams?.authorization, ctx.connectionParams?.tenant)) !== null;
        } catch {
          return false;
        }
      },
      // the credential is checked again for every operation: a key revoked or a session ended
      // while the socket stays open must stop working there too
      // (a dead credential becomes "no caller": resolvers answer UNAUTHENTICATED as over HTTP)
      context: async (ctx) =>
        createContext(
          services,
          await authFrom(services, ctx.connectionParams?.authorization, ctx.connectionParams?.tenant).catch(() => null),
        ),
    },
    wsServer,
  );

  const armor = new ApolloArmor({
    maxDepth: { n: 10 },
    maxAliases: { n: 15 },
    costLimit: { maxCost: 5000 },
    maxTokens: { n: 2000 },
    blockFieldSuggestion: { enabled: env.production },
  }).protect();

  const maskErrors: ApolloServerPlugin<GraphQLContext> = {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            if (!error.extensions?.code || error.extensions.code === 'INTERNAL_SERVER_ERROR') {
              log.error({ err: error.originalError ?? error, path: error.path }, 'resolver error');
            }
          }
        },
      };
    },
  };

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    // the process owns its signals (main.ts drains and exits); Apollo's handler would swallow them
    stopOnTerminationSignals: false,
    introspection: !env.production,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<GraphQLContext>[]),
      maskErrors,
      ApolloServerPluginDrainHttpServer({ httpServer: server }) as ApolloServerPlugin<GraphQLContext>,
      ...(env.production ? [ApolloServerPluginLandingPageDisabled() as ApolloServerPlugin<GraphQLContext>] : []),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
    ],
    validationRules: armor.validationRules,
    formatError: (formatted, error) => {
      const code = formatted.extensions?.code;
      if (code && code !== 'INTERNAL_SERVER_ERROR')
        return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
      const mapped = toGraphQLError((error as { originalError?: unknown }).originalError ?? error);
      return { message: mapped.message, path: formatted.path, extensions: { code: mapped.extensions.code } };
    },
  });
  await apollo.start();

  app.use((req, res, next) => {
    const origin = req.headers.origin;
    if (origin && env.corsOrigins.includes(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'origin');
      res.setHeader('access-control-allow-methods', 'GET, POST, PUT, OPTIONS');
      res.setHeader('access-control-allow-headers', 'authorization, content-type, x-antidote-tenant, apollo-require-preflight');
      res.setHeader('access-control-max-age', '600');
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  });
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  });
  const limiter = createRateLimiter(env.ANTIDOTE_RATE_LIMIT);
  app.use((req, res, next) => {
    const bearer = bearerOf(req.headers.authorization);
    const key = bearer ? `k:${sha256(bearer).slice(0, 32)}` : `ip:${req.socket.remoteAddress ?? ''}`;
    const wait = limiter.take(key);
    if (wait > 0) {
      res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
      res.status(429).json({ errors: [{ message: 'Rate limit exceeded; retry later.', extensions: { code: 'RATE_LIMITED' } }] });
      return;
    }
    next();
  });

  mountHttpRoutes(app, services);
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        createContext(services, await authFrom(services, req.headers.authorization, req.headers['x-antidote-tenant'])),
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info({ url }, 'gateway listening');
  return {
    server,
    url,
    async close() {
      await apollo.stop();
      wsServer.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
